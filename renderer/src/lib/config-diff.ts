// Field-by-field difference of two configs, for comparing runs.
import type { BoftConfig } from '../api';

export interface FieldDiff {
  field: keyof BoftConfig;
  a: string;
  b: string;
}

function show(v: unknown): string {
  return v === null || v === undefined ? '—' : JSON.stringify(v);
}

/** Fields whose JSON values differ, in the config's field order. */
export function configDiff(a: BoftConfig, b: BoftConfig): FieldDiff[] {
  const fields = Object.keys(a) as (keyof BoftConfig)[];
  for (const k of Object.keys(b) as (keyof BoftConfig)[]) if (!fields.includes(k)) fields.push(k);
  return fields
    .map((field) => ({ field, a: show(a[field]), b: show(b[field]) }))
    .filter((d) => d.a !== d.b);
}
