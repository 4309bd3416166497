// The renderer's view of the studio service: the shared contract's client, narrowed to what
// the store uses, and the editor's complete BOFTConfig (its fields and defaults live in the
// contract, electron/shared/boft-config.ts). The renderer imports only
// electron/shared; field names that reach files stay snake_case.
import { BOFT_CONFIG_DEFAULTS, completeBoftConfig, type BoftConfig, type BoftConfigInput, type ModuleNode, type StudioClient } from '../../electron/shared';

export type {
  AdapterInfo, AppInfo, BoftConfigInput, HyperParams, LayerDiagnostics, LayerValidation, ModelSummary, ModuleNode,
  RunHistory, RunState, RunSummary, StepMetrics, EvalMetrics, StudioEvent, ValidationReport, DatasetSpec, Snapshot,
  StudioErrorData, CheckpointRef, Result, MergeAgreement,
} from '../../electron/shared';

/** What the store needs of a client; tests pass a real client over a fake endpoint. */
export type StudioApi = Pick<StudioClient, 'call' | 'onAny' | 'onProblem'>;

export type { BiasMode, BoftConfig } from '../../electron/shared';
export { BIAS_MODES } from '../../electron/shared';

/** PEFT 0.21's defaults, from the shared contract (the one copy; equal to core's, tested in electron/worker). */
export const DEFAULT_CONFIG = BOFT_CONFIG_DEFAULTS;

/** A contract config (omitted fields = defaults) as the editor's complete one. */
export function completeConfig(input: BoftConfigInput): BoftConfig {
  return completeBoftConfig(input);
}

/** One module of the base model as the picker uses it. */
export interface ModuleRow {
  /** Dotted in-memory path, '' for the root. */
  path: string;
  type: string;
  inFeatures?: number;
  outFeatures?: number;
  /** The dimension BOFT rotates: C·kh·kw for Conv2d, in_features otherwise. */
  rotatedDim?: number;
  /** Own parameter elements (not children's). */
  numParams: number;
  adaptable: boolean;
}

/** Conv2d rotates its flattened filter (C·kh·kw, C-major); everything else its inputs. */
export function toRow(n: ModuleNode): ModuleRow {
  const w = n.params.weight;
  const rotatedDim = n.type === 'Conv2d' && w && w.length === 4 ? w[1] * w[2] * w[3] : n.inFeatures;
  return { path: n.path, type: n.type, inFeatures: n.inFeatures, outFeatures: n.outFeatures, rotatedDim, numParams: n.numParams, adaptable: n.adaptable };
}
