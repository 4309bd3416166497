// The BOFTConfig form: one labelled control per PEFT field, checked as the user types
// (locally at once, by the service's config.validate after a pause).
import { useEffect, useId, useState } from 'react';
import { BIAS_MODES, type BiasMode, type BoftConfig } from '../api';
import { formatTargetText, parseTargetText } from '../lib/patterns';
import { CheckField, NumberField, SelectField, TextField } from './fields';

type Set = <K extends keyof BoftConfig>(key: K, value: BoftConfig[K]) => void;

/** A text control over a parsed value; keeps the user's text while it is being typed. */
function ParsedField<T>(p: { label: string; value: T; format(v: T): string; parse(s: string): T | Error; onChange(v: T): void; error?: string | null; hint?: string; testId?: string }) {
  const id = useId();
  const [text, setText] = useState(p.format(p.value));
  const [own, setOwn] = useState<string | null>(null);
  useEffect(() => {
    const parsed = p.parse(text);
    if (parsed instanceof Error || p.format(parsed) !== p.format(p.value)) setText(p.format(p.value));
    // Reset the text only when the value changed from outside (tree picks, presets).
  }, [p.format(p.value)]);
  const err = own ?? p.error ?? null;
  return (
    <div className="field">
      <label htmlFor={id}>{p.label}</label>
      <input
        id={id} data-testid={p.testId} value={text} aria-invalid={Boolean(err)} aria-describedby={`${id}-hint${err ? ` ${id}-err` : ''}`}
        onChange={(e) => {
          setText(e.target.value);
          const v = p.parse(e.target.value);
          if (v instanceof Error) return setOwn(v.message);
          setOwn(null);
          p.onChange(v);
        }}
      />
      <div id={`${id}-hint`} className="hint">{p.hint}</div>
      {err ? <div id={`${id}-err`} className="field-error" role="alert">{err}</div> : null}
    </div>
  );
}

const fmtList = (v: string[] | string | null): string => formatTargetText(v);
const fmtNames = (v: string[] | null): string => (v ?? []).join(', ');
const parseNames = (s: string): string[] | null => {
  const l = s.split(',').map((x) => x.trim()).filter(Boolean);
  return l.length > 0 ? l : null;
};
const fmtLayers = (v: number[] | number | null): string => (v === null ? '' : Array.isArray(v) ? v.join(', ') : String(v));

export function parseLayers(s: string): number[] | number | null | Error {
  const t = s.trim();
  if (t === '') return null;
  const parts = t.split(',').map((x) => x.trim()).filter(Boolean);
  const bad = parts.find((x) => !/^\d+$/.test(x));
  if (bad !== undefined) return new Error(`'${bad}' is not a layer index (non-negative integer)`);
  const nums = parts.map(Number);
  return nums.length === 1 && !t.includes(',') ? nums[0] : nums;
}

const parseSpec = (s: string): string[] | string | null => parseTargetText(s);
const nullable = (s: string): string | null => (s.trim() === '' ? null : s);

const TASKS = ['', 'SEQ_CLS', 'CAUSAL_LM', 'SEQ_2_SEQ_LM', 'TOKEN_CLS', 'QUESTION_ANS', 'FEATURE_EXTRACTION'] as const;

export function ShapeFields({ c, set, errors }: { c: BoftConfig; set: Set; errors: Record<string, string> }) {
  return (
    <fieldset className="shape">
      <legend>Block shape</legend>
      <NumberField label="boft_block_size (b)" testId="f-boft_block_size" integer value={c.boft_block_size} onChange={(v) => set('boft_block_size', v)} error={errors.boft_block_size} />
      <NumberField label="boft_block_num (k)" testId="f-boft_block_num" integer value={c.boft_block_num} onChange={(v) => set('boft_block_num', v)} error={errors.boft_block_num} />
      <NumberField label="boft_n_butterfly_factor (m)" testId="f-boft_n_butterfly_factor" integer value={c.boft_n_butterfly_factor} onChange={(v) => set('boft_n_butterfly_factor', v)} error={errors.boft_n_butterfly_factor} />
      <p className="explain" data-testid="duality">
        Each adapted layer rotates its d inputs with k blocks of size b, so <b>b · k = d</b>. Set <b>one</b> of them and leave the
        other 0: a fixed <b>block size</b> gives every layer the same per-block freedom (wider layers get more blocks); a fixed
        <b> block count</b> gives every layer the same number of blocks (wider layers get bigger blocks). With m butterfly
        factors, blocks mix across a span of b·2^(m−1) inputs, so d must divide by it and b and k must be even.
        Parameters per layer: m·k·b² (boft_R) + out (boft_s).
      </p>
    </fieldset>
  );
}

export function ConfigForm({ c, set, errors }: { c: BoftConfig; set: Set; errors: Record<string, string> }) {
  return (
    <form className="config-form" aria-label="BOFT configuration" onSubmit={(e) => e.preventDefault()}>
      <ShapeFields c={c} set={set} errors={errors} />
      <fieldset>
        <legend>Which layers</legend>
        <ParsedField label="target_modules" testId="f-target_modules" value={c.target_modules} format={fmtList} parse={parseSpec} onChange={(v) => set('target_modules', v)} error={errors.target_modules} hint="Names matched as path suffixes, comma-separated; re:<regex> for a regex on the whole path." />
        <ParsedField label="exclude_modules" testId="f-exclude_modules" value={c.exclude_modules} format={fmtList} parse={parseSpec} onChange={(v) => set('exclude_modules', v)} error={errors.exclude_modules} hint="Same syntax; excluded layers are marked on the tree." />
        <ParsedField label="layers_to_transform" testId="f-layers_to_transform" value={c.layers_to_transform} format={fmtLayers} parse={parseLayers} onChange={(v) => set('layers_to_transform', v)} error={errors.layers_to_transform} hint="Layer indices, e.g. 0, 1, 2; applies to suffix targets only." />
        <ParsedField label="layers_pattern" testId="f-layers_pattern" value={c.layers_pattern} format={fmtList} parse={parseSpec} onChange={(v) => set('layers_pattern', v)} error={errors.layers_pattern} hint="Name of the layer list (e.g. layers, h); empty = the first numbered segment." />
        <ParsedField label="modules_to_save" testId="f-modules_to_save" value={c.modules_to_save} format={fmtNames} parse={parseNames} onChange={(v) => set('modules_to_save', v)} error={errors.modules_to_save} hint="Trained in full and saved with the adapter (e.g. classifier)." />
      </fieldset>
      <fieldset>
        <legend>Training behaviour</legend>
        <NumberField label="boft_dropout" testId="f-boft_dropout" value={c.boft_dropout} step={0.05} onChange={(v) => set('boft_dropout', v)} error={errors.boft_dropout} hint="Multiplicative dropout: a share of one factor's blocks become identity during training." />
        <SelectField<BiasMode> label="bias" value={c.bias} options={BIAS_MODES.map((m) => ({ value: m, label: m }))} onChange={(v) => set('bias', v)} error={errors.bias} />
        <CheckField label="fan_in_fan_out (weights stored as in × out, e.g. GPT-2 Conv1D)" checked={c.fan_in_fan_out} onChange={(v) => set('fan_in_fan_out', v)} error={errors.fan_in_fan_out} />
        <CheckField label="init_weights (start at the identity rotation)" checked={c.init_weights} onChange={(v) => set('init_weights', v)} error={errors.init_weights} />
        <CheckField label="inference_mode" checked={c.inference_mode} onChange={(v) => set('inference_mode', v)} error={errors.inference_mode} />
      </fieldset>
      <fieldset>
        <legend>Provenance</legend>
        <TextField label="base_model_name_or_path" value={c.base_model_name_or_path ?? ''} onChange={(v) => set('base_model_name_or_path', nullable(v))} error={errors.base_model_name_or_path} />
        <TextField label="revision" value={c.revision ?? ''} onChange={(v) => set('revision', nullable(v))} error={errors.revision} />
        <SelectField label="task_type" value={c.task_type ?? ''} options={TASKS.map((t) => ({ value: t, label: t || '(none)' }))} onChange={(v) => set('task_type', nullable(v))} error={errors.task_type} />
      </fieldset>
    </form>
  );
}
