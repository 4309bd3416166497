// run.json: one experiment — base model folder, dataset, BOFT config (PEFT's field names),
// training arguments (transformers' names), output folder. Paths are relative to run.json.
// The sample's assets/sample/project.json is a run spec with a name and a description.
import { BOFTConfig, type BOFTConfigInput } from '../boft/config';
import { resolveTrainingArguments, type TrainingArguments } from './args';

interface SplitFields {
  path: string;
  /** A separate validation file/folder; otherwise `validation_split` of `path` is held out. */
  validation_path?: string;
  validation_split?: number;
}

export type DatasetSpec =
  | ({ kind: 'image-tensors' } & SplitFields)
  | ({ kind: 'image-folder' } & SplitFields)
  | ({ kind: 'text-classification'; format: 'csv' | 'jsonl'; text_field?: string; label_field?: string; max_length?: number } & SplitFields)
  | ({ kind: 'causal-lm'; format: 'text' | 'jsonl'; text_field?: string; block_size: number } & SplitFields);

export const DATASET_KINDS: readonly DatasetSpec['kind'][] = ['image-tensors', 'image-folder', 'text-classification', 'causal-lm'];

export interface RunSpec {
  name?: string;
  description?: string;
  model: string;
  dataset: DatasetSpec;
  boft: BOFTConfig;
  training: TrainingArguments;
  output_dir: string;
  backend: string;
}

function fail(source: string, field: string, detail: string): never {
  throw new Error(`${source}: ${field} ${detail}`);
}

function str(o: Record<string, unknown>, key: string, source: string, prefix = ''): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') fail(source, `${prefix}${key}`, `must be a non-empty string, found ${JSON.stringify(v) ?? 'nothing'}`);
  return v;
}

function parseDataset(raw: unknown, source: string): DatasetSpec {
  if (typeof raw !== 'object' || raw === null) fail(source, 'dataset', 'must be an object');
  const d = raw as Record<string, unknown>;
  const kind = d.kind as DatasetSpec['kind'];
  const path = str(d, 'path', source, 'dataset.');
  if (d.validation_split !== undefined && !(typeof d.validation_split === 'number' && d.validation_split > 0 && d.validation_split < 1)) {
    fail(source, 'dataset.validation_split', `=${JSON.stringify(d.validation_split)} must be a number in (0, 1)`);
  }
  const split = { path, validation_path: d.validation_path as string | undefined, validation_split: d.validation_split as number | undefined };
  switch (kind) {
    case 'image-tensors':
    case 'image-folder':
      return { kind, ...split };
    case 'text-classification': {
      if (d.format !== 'csv' && d.format !== 'jsonl') fail(source, 'dataset.format', `='${String(d.format)}' is not valid for text-classification; valid: csv, jsonl`);
      return { kind, format: d.format, text_field: d.text_field as string | undefined, label_field: d.label_field as string | undefined, max_length: d.max_length as number | undefined, ...split };
    }
    case 'causal-lm': {
      if (d.format !== 'text' && d.format !== 'jsonl') fail(source, 'dataset.format', `='${String(d.format)}' is not valid for causal-lm; valid: text, jsonl`);
      if (!Number.isInteger(d.block_size) || (d.block_size as number) < 2) fail(source, 'dataset.block_size', `=${JSON.stringify(d.block_size)} must be an integer >= 2`);
      return { kind, format: d.format, text_field: d.text_field as string | undefined, block_size: d.block_size as number, ...split };
    }
    default:
      return fail(source, 'dataset.kind', `='${String(kind)}' is not supported; valid: ${DATASET_KINDS.join(', ')}`);
  }
}

/** Parses and validates run.json content; every error names the file and the field. */
export function parseRunSpec(json: unknown, source: string): RunSpec {
  if (typeof json !== 'object' || json === null) fail(source, '', 'must hold a JSON object');
  const o = json as Record<string, unknown>;
  const known = ['name', 'description', 'model', 'dataset', 'boft', 'training', 'output_dir', 'backend', 'baseline'];
  const unknown = Object.keys(o).filter((k) => !known.includes(k));
  if (unknown.length) fail(source, unknown.join(', '), `unknown; valid keys: ${known.join(', ')}`);
  let boft: BOFTConfig;
  let training: TrainingArguments;
  try {
    boft = new BOFTConfig((o.boft ?? {}) as BOFTConfigInput);
    training = resolveTrainingArguments((o.training ?? {}) as Record<string, unknown>);
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
  return {
    name: o.name as string | undefined,
    description: o.description as string | undefined,
    model: str(o, 'model', source),
    dataset: parseDataset(o.dataset, source),
    boft,
    training,
    output_dir: typeof o.output_dir === 'string' ? o.output_dir : 'runs/latest',
    backend: typeof o.backend === 'string' ? o.backend : 'auto',
  };
}
