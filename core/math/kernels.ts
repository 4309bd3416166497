// Backend-specific kernel/gradient registrations that keep the math identical but fill
// gaps (missing kernels) or avoid slow paths on a given backend. Filled in by core/math.
export function registerBackendKernels(_backend: string): void {
  // placeholder, replaced by the math module
}
