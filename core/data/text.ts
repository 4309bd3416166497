// Text datasets: CSV/JSONL for classification, plain text or JSONL for causal LM.
import { DatasetError, decodeUtf8 } from './errors';
import { parseCsv } from './csv';
import { parseJsonl, stringField } from './jsonl';
import { labelVocabulary, type CausalLmData, type TextClassificationData } from './dataset';

export type TextFormat = 'csv' | 'jsonl';

export interface TextFields {
  textField: string;
  labelField: string;
}

export const DEFAULT_TEXT_FIELDS: TextFields = { textField: 'text', labelField: 'label' };

interface Row {
  line: number;
  text: string;
  label: string;
}

function csvRows(text: string, file: string, f: TextFields): Row[] {
  const t = parseCsv(text, file);
  const ti = t.header.indexOf(f.textField);
  const li = t.header.indexOf(f.labelField);
  if (ti < 0 || li < 0) {
    const missing = ti < 0 ? f.textField : f.labelField;
    throw new DatasetError(file, 1, `header has no column '${missing}' (columns: ${t.header.join(', ')})`);
  }
  return t.records.map((r) => ({ line: r.line, text: r.fields[ti], label: r.fields[li] }));
}

function jsonlRows(text: string, file: string, f: TextFields): Row[] {
  return parseJsonl(text, file).map((r) => {
    const lv = r.value[f.labelField];
    if (typeof lv !== 'string' && !(typeof lv === 'number' && Number.isInteger(lv))) {
      throw new DatasetError(file, r.line, `field '${f.labelField}' must be a string or an integer, found ${JSON.stringify(lv) ?? 'nothing'}`);
    }
    return { line: r.line, text: stringField(r, f.textField, file), label: String(lv) };
  });
}

/** Parses a text-classification file. `classNames` fixes the label set (e.g. from the train file). */
export function parseTextClassification(bytes: Uint8Array, file: string, format: TextFormat, fields: TextFields = DEFAULT_TEXT_FIELDS, classNames?: string[]): TextClassificationData {
  const text = decodeUtf8(bytes, file);
  const rows = format === 'csv' ? csvRows(text, file, fields) : jsonlRows(text, file, fields);
  if (rows.length === 0) throw new DatasetError(file, null, 'no examples');
  const names = classNames ?? labelVocabulary(rows.map((r) => r.label));
  const ids = new Map(names.map((n, i) => [n, i]));
  const labels = Int32Array.from(rows, (r) => {
    const id = ids.get(r.label);
    if (id === undefined) throw new DatasetError(file, r.line, `unknown label '${r.label}' (labels: ${names.join(', ')})`);
    return id;
  });
  return { kind: 'text-classification', texts: rows.map((r) => r.text), labels, classNames: names };
}

export type LmFormat = 'text' | 'jsonl';

/** Causal-LM documents: a plain-text file is one document per blank-line-separated paragraph. */
export function parseCausalLm(bytes: Uint8Array, file: string, format: LmFormat, textField = 'text'): CausalLmData {
  const text = decodeUtf8(bytes, file);
  const docs = format === 'text'
    ? text.split(/\n\s*\n/).map((s) => s.trim()).filter((s) => s !== '')
    : parseJsonl(text, file).map((r) => stringField(r, textField, file));
  if (docs.length === 0) throw new DatasetError(file, null, 'no text');
  return { kind: 'causal-lm', docs };
}

/**
 * Concatenates tokenized documents (each followed by `eosId` when given) and cuts them into
 * blocks of `blockSize`, dropping the remainder, as transformers' run_clm group_texts does.
 * Returns ids: [N, blockSize].
 */
export function packTokens(docs: number[][], blockSize: number, eosId: number | null): { ids: Int32Array; n: number } {
  const flat: number[] = [];
  for (const d of docs) {
    flat.push(...d);
    if (eosId !== null) flat.push(eosId);
  }
  const n = Math.floor(flat.length / blockSize);
  if (n === 0) throw new Error(`causal-lm data has ${flat.length} tokens, fewer than one block of ${blockSize}`);
  return { ids: Int32Array.from(flat.slice(0, n * blockSize)), n };
}
