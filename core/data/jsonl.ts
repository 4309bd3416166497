// JSON Lines: one object per non-blank line.
import { DatasetError } from './errors';

export interface JsonlRecord {
  line: number;
  value: Record<string, unknown>;
}

export function parseJsonl(text: string, file: string): JsonlRecord[] {
  const out: JsonlRecord[] = [];
  text.split('\n').forEach((raw, i) => {
    const s = raw.trim();
    if (s === '') return;
    let value: unknown;
    try {
      value = JSON.parse(s);
    } catch (e) {
      throw new DatasetError(file, i + 1, `invalid JSON (${(e as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DatasetError(file, i + 1, 'each line must be a JSON object');
    }
    out.push({ line: i + 1, value: value as Record<string, unknown> });
  });
  return out;
}

/** A required string field of a record. */
export function stringField(r: JsonlRecord, key: string, file: string): string {
  const v = r.value[key];
  if (typeof v !== 'string') {
    throw new DatasetError(file, r.line, `field '${key}' must be a string, found ${v === undefined ? 'nothing' : typeof v} (keys: ${Object.keys(r.value).join(', ')})`);
  }
  return v;
}
