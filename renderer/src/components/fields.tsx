// Labelled form controls. Every control has a <label>, and its error and hint are tied to it
// with aria-describedby, so the form reads the same with a screen reader as on screen.
import { useEffect, useId, useState, type ReactNode } from 'react';

interface Common {
  label: string;
  error?: string | null;
  hint?: ReactNode;
  testId?: string;
}

function Described({ id, error, hint }: { id: string; error?: string | null; hint?: ReactNode }) {
  return (
    <>
      {hint ? <div id={`${id}-hint`} className="hint">{hint}</div> : null}
      {error ? <div id={`${id}-err`} className="field-error" role="alert">{error}</div> : null}
    </>
  );
}

function describedBy(id: string, error?: string | null, hint?: ReactNode): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-err` : ''].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

/** A number input that keeps the user's text while it does not parse yet ("1e-"). */
export function NumberField(p: Common & { value: number; onChange(v: number): void; step?: number; min?: number; integer?: boolean }) {
  const id = useId();
  const [text, setText] = useState(String(p.value));
  useEffect(() => {
    if (Number(text) !== p.value) setText(String(p.value));
    // Only an outside change of the value resets the text, so `text` is not a dependency.
  }, [p.value]);
  const parsed = text.trim() === '' ? NaN : Number(text);
  const ownError = Number.isNaN(parsed) ? `'${text}' is not a number` : p.integer && !Number.isInteger(parsed) ? `${parsed} is not an integer` : null;
  return (
    <div className="field">
      <label htmlFor={id}>{p.label}</label>
      <input
        id={id} data-testid={p.testId} inputMode="decimal" value={text} aria-invalid={Boolean(ownError ?? p.error)}
        aria-describedby={describedBy(id, ownError ?? p.error, p.hint)}
        onChange={(e) => {
          setText(e.target.value);
          const v = Number(e.target.value);
          if (e.target.value.trim() !== '' && !Number.isNaN(v)) p.onChange(v);
        }}
      />
      <Described id={id} error={ownError ?? p.error} hint={p.hint} />
    </div>
  );
}

export function TextField(p: Common & { value: string; onChange(v: string): void; placeholder?: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{p.label}</label>
      <input
        id={id} data-testid={p.testId} value={p.value} placeholder={p.placeholder} aria-invalid={Boolean(p.error)}
        aria-describedby={describedBy(id, p.error, p.hint)} onChange={(e) => p.onChange(e.target.value)}
      />
      <Described id={id} error={p.error} hint={p.hint} />
    </div>
  );
}

export function CheckField(p: Common & { checked: boolean; onChange(v: boolean): void }) {
  const id = useId();
  return (
    <div className="field check">
      <input id={id} data-testid={p.testId} type="checkbox" checked={p.checked} aria-describedby={describedBy(id, p.error, p.hint)} onChange={(e) => p.onChange(e.target.checked)} />
      <label htmlFor={id}>{p.label}</label>
      <Described id={id} error={p.error} hint={p.hint} />
    </div>
  );
}

export function SelectField<T extends string>(p: Common & { value: T; options: readonly { value: T; label: string }[]; onChange(v: T): void }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{p.label}</label>
      <select id={id} data-testid={p.testId} value={p.value} aria-describedby={describedBy(id, p.error, p.hint)} onChange={(e) => p.onChange(e.target.value as T)}>
        {p.options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
      <Described id={id} error={p.error} hint={p.hint} />
    </div>
  );
}

// One formatter for all: toLocaleString builds a new one per call, which a scrolling tree feels.
const intFormat = new Intl.NumberFormat('en-US');
export const fmtInt = (n: number): string => intFormat.format(n);

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(2)} MiB`;
}
