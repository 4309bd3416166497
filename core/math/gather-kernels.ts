// Placeholder: filled in with the gather kernel work.
export function registerGatherKernels(_backend: string): void {}
