// Checkpoint contents: trainable parameters and AdamW moments as safetensors (fp32 values
// are stored exactly, so a resumed run continues bit for bit), the data position and the
// early-stopping state as JSON, plus the adapter files in PEFT format so any checkpoint
// loads as an adapter.
import * as tf from '@tensorflow/tfjs';
import { parseSafetensors, tensorsFromFile, tensorsToSafetensors } from '../io/safetensors';
import type { CheckpointFiles } from './store';

export const TRAINER_STATE_FILE = 'trainer_state.json';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const PARAMS_FILE = 'trainable_params.safetensors';

export interface TrainerState {
  format: 'boft-studio-trainer';
  version: 1;
  /** Optimizer steps taken. */
  step: number;
  /** Micro-batches consumed; epoch and position follow from it and the seed. */
  micro: number;
  totalSteps: number;
  seed: number;
  bestMetric: number | null;
  badEvals: number;
  /** Extra generator states (e.g. dropout) by owner name. */
  rng: Record<string, number>;
}

export interface CheckpointContent {
  state: TrainerState;
  params: Map<string, tf.Tensor>;
  optimizer: Map<string, tf.Tensor>;
}

export async function encodeCheckpoint(c: CheckpointContent, adapterFiles: CheckpointFiles): Promise<CheckpointFiles> {
  const files: CheckpointFiles = new Map(adapterFiles);
  files.set(PARAMS_FILE, await tensorsToSafetensors(c.params, { format: 'pt' }));
  files.set(OPTIMIZER_FILE, await tensorsToSafetensors(c.optimizer, { step: String(c.state.step) }));
  files.set(TRAINER_STATE_FILE, new TextEncoder().encode(JSON.stringify(c.state, null, 2)));
  return files;
}

function required(files: CheckpointFiles, name: string, where: string): Uint8Array {
  const f = files.get(name);
  if (!f) throw new Error(`checkpoint ${where} has no ${name} (files: ${[...files.keys()].join(', ')})`);
  return f;
}

function parseState(bytes: Uint8Array, where: string): TrainerState {
  const s = JSON.parse(new TextDecoder().decode(bytes)) as Partial<TrainerState>;
  if (s.format !== 'boft-studio-trainer' || s.version !== 1) throw new Error(`checkpoint ${where}: ${TRAINER_STATE_FILE} is not a version-1 boft-studio trainer state`);
  for (const k of ['step', 'micro', 'totalSteps', 'seed', 'badEvals'] as const) {
    if (!Number.isInteger(s[k])) throw new Error(`checkpoint ${where}: ${TRAINER_STATE_FILE} field '${k}' must be an integer, found ${JSON.stringify(s[k])}`);
  }
  return s as TrainerState;
}

/** Parses a checkpoint; the caller owns (and disposes) the returned tensors. */
export function decodeCheckpoint(files: CheckpointFiles, where: string): CheckpointContent {
  const state = parseState(required(files, TRAINER_STATE_FILE, where), where);
  const params = tensorsFromFile(parseSafetensors(required(files, PARAMS_FILE, where), `${where}/${PARAMS_FILE}`));
  try {
    const optimizer = tensorsFromFile(parseSafetensors(required(files, OPTIMIZER_FILE, where), `${where}/${OPTIMIZER_FILE}`));
    return { state, params, optimizer };
  } catch (e) {
    params.forEach((t) => t.dispose());
    throw e;
  }
}

export function disposeContent(c: CheckpointContent): void {
  c.params.forEach((t) => t.dispose());
  c.optimizer.forEach((t) => t.dispose());
}
