// Placeholder: filled in with the matmul kernel work.
export function registerMatMulKernels(_backend: string): void {}
