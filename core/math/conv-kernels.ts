// Placeholder: filled in with the conv kernel work.
export function registerConvKernels(_backend: string): void {}
