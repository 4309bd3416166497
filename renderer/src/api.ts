// The renderer's view of the studio service: the shared contract's client, narrowed to what
// the store uses, plus the editor's complete BOFTConfig. The renderer imports only
// electron/shared; field names that reach files stay snake_case.
import type { BoftConfigInput, ModuleNode, StudioClient } from '../../electron/shared';

export type {
  AdapterInfo, AppInfo, BoftConfigInput, HyperParams, LayerDiagnostics, LayerValidation, ModelSummary, ModuleNode,
  RunHistory, RunState, RunSummary, StepMetrics, EvalMetrics, StudioEvent, ValidationReport, DatasetSpec, Snapshot,
  StudioErrorData, CheckpointRef, Result,
} from '../../electron/shared';

/** What the store needs of a client; tests pass a real client over a fake endpoint. */
export type StudioApi = Pick<StudioClient, 'call' | 'onAny' | 'onProblem'>;

export type BiasMode = 'none' | 'all' | 'boft_only';

/** PEFT 0.21 BOFTConfig fields as the editor holds them: every field present. */
export interface BoftConfig {
  boft_block_size: number;
  boft_block_num: number;
  boft_n_butterfly_factor: number;
  target_modules: string[] | string | null;
  exclude_modules: string[] | string | null;
  boft_dropout: number;
  fan_in_fan_out: boolean;
  bias: BiasMode;
  modules_to_save: string[] | null;
  init_weights: boolean;
  layers_to_transform: number[] | number | null;
  layers_pattern: string[] | string | null;
  inference_mode: boolean;
  base_model_name_or_path: string | null;
  revision: string | null;
  task_type: string | null;
}

/** PEFT 0.21's defaults. */
export const DEFAULT_CONFIG: BoftConfig = {
  boft_block_size: 4,
  boft_block_num: 0,
  boft_n_butterfly_factor: 1,
  target_modules: null,
  exclude_modules: null,
  boft_dropout: 0,
  fan_in_fan_out: false,
  bias: 'none',
  modules_to_save: null,
  init_weights: true,
  layers_to_transform: null,
  layers_pattern: null,
  inference_mode: false,
  base_model_name_or_path: null,
  revision: null,
  task_type: null,
};

/** A contract config (omitted fields = defaults) as the editor's complete one. */
export function completeConfig(input: BoftConfigInput): BoftConfig {
  const out: BoftConfig = { ...DEFAULT_CONFIG };
  for (const key of Object.keys(DEFAULT_CONFIG) as (keyof BoftConfig)[]) {
    const v = input[key];
    if (v !== undefined) (out as unknown as Record<string, unknown>)[key] = v;
  }
  return out;
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
