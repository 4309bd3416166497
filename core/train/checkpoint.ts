// Checkpoint contents: trainable parameters and AdamW moments as safetensors (fp32 values
// are stored exactly, so a resumed run continues bit for bit), the data position and the
// early-stopping state and the BOFT dropout generators' states as JSON, plus the adapter files in PEFT format so any checkpoint
// loads as an adapter.
import * as tf from '@tensorflow/tfjs';
import { parseSafetensors, tensorsFromFile, tensorsToSafetensors } from '../io/safetensors';
import type { CheckpointFiles } from './store';

export const TRAINER_STATE_FILE = 'trainer_state.json';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const PARAMS_FILE = 'trainable_params.safetensors';

/**
 * Version 2 added the dropout generators (`rng`); a version-1 state still loads, with no
 * generator states (resuming it with boft_dropout > 0 is refused by the trainer).
 */
export const TRAINER_STATE_VERSION = 2;

export interface TrainerState {
  format: 'boft-studio-trainer';
  version: 1 | 2;
  /** Optimizer steps taken. */
  step: number;
  /** Micro-batches consumed; epoch and position follow from it and the seed. */
  micro: number;
  totalSteps: number;
  seed: number;
  bestMetric: number | null;
  badEvals: number;
  /** Extra uint32 generator states by owner (BOFT dropout: `boft_dropout/<path>/<adapter>`). */
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

function parseRng(v: unknown, where: string): Record<string, number> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`checkpoint ${where}: ${TRAINER_STATE_FILE} field 'rng' must be an object, found ${JSON.stringify(v)}`);
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new Error(`checkpoint ${where}: ${TRAINER_STATE_FILE} rng['${k}'] must be a uint32, found ${JSON.stringify(x)}`);
    out[k] = x as number;
  }
  return out;
}

function parseState(bytes: Uint8Array, where: string): TrainerState {
  const s = JSON.parse(new TextDecoder().decode(bytes)) as Partial<TrainerState>;
  if (s.format !== 'boft-studio-trainer' || (s.version !== 1 && s.version !== 2)) {
    throw new Error(`checkpoint ${where}: ${TRAINER_STATE_FILE} is not a boft-studio trainer state of version 1 or ${TRAINER_STATE_VERSION} (found format ${JSON.stringify(s.format)}, version ${JSON.stringify(s.version)})`);
  }
  for (const k of ['step', 'micro', 'totalSteps', 'seed', 'badEvals'] as const) {
    if (!Number.isInteger(s[k])) throw new Error(`checkpoint ${where}: ${TRAINER_STATE_FILE} field '${k}' must be an integer, found ${JSON.stringify(s[k])}`);
  }
  // Version 1 wrote an always-empty 'rng'; tolerate it absent there.
  const rng = s.version === 1 && s.rng === undefined ? {} : parseRng(s.rng, where);
  return { ...(s as TrainerState), rng };
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
