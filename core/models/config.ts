// Typed reads of a Hugging Face config.json. A missing or mistyped field is an error naming
// the architecture, the field and what was found; defaults are transformers' own.
export type RawConfig = Record<string, unknown>;

export class ConfigReader {
  constructor(readonly raw: RawConfig, readonly arch: string) {}

  private fail(key: string, want: string): never {
    throw new Error(`${this.arch} config: '${key}' must be ${want}, found ${JSON.stringify(this.raw[key])}`);
  }

  int(key: string, fallback?: number): number {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) this.fail(key, 'a non-negative integer');
    return v;
  }

  num(key: string, fallback?: number): number {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, 'a finite number');
    return v;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'boolean') this.fail(key, 'true or false');
    return v;
  }

  str(key: string, fallback?: string): string {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'string') this.fail(key, 'a string');
    return v;
  }

  /** Integer or null (e.g. sliding_window, head_dim). */
  optInt(key: string): number | undefined {
    const v = this.raw[key];
    return v === null || v === undefined ? undefined : this.int(key);
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) this.fail(key, `one of ${allowed.join(', ')}`);
    return v as T;
  }

  /** num_labels: transformers derives it from id2label when it is not written. */
  numLabels(): number {
    if (typeof this.raw.num_labels === 'number') return this.int('num_labels');
    const id2label = this.raw.id2label;
    if (typeof id2label === 'object' && id2label !== null) return Object.keys(id2label).length;
    return 2;
  }

  divisible(a: string, av: number, b: string, bv: number): void {
    if (bv === 0 || av % bv !== 0) {
      throw new Error(`${this.arch} config: ${a}=${av} is not divisible by ${b}=${bv}`);
    }
  }
}

export type ProblemType = 'regression' | 'single_label_classification' | 'multi_label_classification';

/** transformers' rule: explicit problem_type, else regression for one label, else single-label. */
export function problemType(c: ConfigReader, numLabels: number): ProblemType {
  const v = c.raw.problem_type;
  if (v === null || v === undefined) return numLabels === 1 ? 'regression' : 'single_label_classification';
  return c.oneOf('problem_type', ['regression', 'single_label_classification', 'multi_label_classification'], 'single_label_classification');
}
