// Backend-specific registrations that keep the math identical but fill kernel gaps or
// avoid slow paths on a given backend. Each piece lives beside the math it serves.
import { registerMatMulKernels } from './matmul-kernels';
import { registerConvKernels } from './conv-kernels';
import { registerGatherKernels } from './gather-kernels';
import { registerIdentityKernel } from './identity-kernel';
import { registerSliceKernels } from './slice-kernels';

export function registerBackendKernels(backend: string): void {
  registerMatMulKernels(backend);
  registerConvKernels(backend);
  registerGatherKernels(backend);
  registerIdentityKernel(backend);
  registerSliceKernels(backend);
}
