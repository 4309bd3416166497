// The config screen: form, presets, live figures, block-shape problems with fixes, the
// parameter-budget helper, and the module-tree picker side by side.
import { useMemo } from 'react';
import type { LayerValidation } from '../api';
import { optionsWithinBudget } from '../lib/boft-shape';
import { localFieldErrors, type Preset } from '../store/config-slice';
import { usePick } from '../store/context';
import { blockProblems, liveFigures, targetedDims } from '../store/selectors';
import { ConfigForm } from './ConfigForm';
import { fmtBytes, fmtInt, NumberField } from './fields';
import { ModuleTree } from './ModuleTree';

function Figures() {
  const { rows, config, model, report, reportConfig, validating } = usePick((s) => ({ rows: s.rows, config: s.config, model: s.model, report: s.report, reportConfig: s.reportConfig, validating: s.validating }));
  const f = liveFigures(rows, config, model?.numParams ?? 0, report, reportConfig === config);
  return (
    <dl className="figures" data-testid="figures" aria-live="polite">
      <div><dt>Adapted layers</dt><dd data-testid="fig-layers">{f.layers}</dd></div>
      <div><dt>Trainable parameters</dt><dd data-testid="fig-trainable">{f.trainable === null ? 'invalid shape' : fmtInt(f.trainable)}</dd></div>
      <div><dt>Share of base model</dt><dd>{f.share === null ? '—' : `${(f.share * 100).toFixed(3)} %`}</dd></div>
      <div><dt>Adapter on disk</dt><dd>{f.adapterBytes === null ? '—' : fmtBytes(f.adapterBytes)}</dd></div>
      <div className="source">{validating ? 'checking with the service…' : f.source === 'service' ? 'checked by the service' : 'estimate (not yet checked)'}</div>
    </dl>
  );
}

function Problems() {
  const { rows, config, report, reportConfig, setField } = usePick((s) => ({ rows: s.rows, config: s.config, report: s.report, reportConfig: s.reportConfig, setField: s.setField }));
  const local = blockProblems(rows, config);
  const service = report && reportConfig === config ? report.layers.filter((l): l is Extract<LayerValidation, { status: 'invalid' }> => l.status === 'invalid') : [];
  if (local.length === 0 && service.length === 0) return null;
  return (
    <div className="problems" role="alert" data-testid="block-problems">
      <h3>This shape does not fit every selected layer</h3>
      <ul>
        {local.map((p) => (
          <li key={p.d}>
            <b>{p.paths.length} layer{p.paths.length === 1 ? '' : 's'} with d = {p.d}</b> (e.g. <code>{p.paths[0]}</code>): {p.reason}.{' '}
            {p.suggestions.length > 0 ? <>Valid here: {p.suggestions.map((b) => (
              <button key={b} type="button" className="link" onClick={() => { setField('boft_block_size', b); setField('boft_block_num', 0); }}>block size {b}</button>
            ))}</> : 'No block size works with this many factors; lower boft_n_butterfly_factor.'}
          </li>
        ))}
        {service.filter((l) => !local.some((p) => p.paths.includes(l.path))).map((l) => (
          <li key={l.path}><code>{l.path}</code> ({l.inFeatures}→{l.outFeatures}): {l.reason}</li>
        ))}
      </ul>
    </div>
  );
}

function BudgetHelper() {
  const { rows, config, budget, setBudget, setField } = usePick((s) => ({ rows: s.rows, config: s.config, budget: s.budget, setBudget: s.setBudget, setField: s.setField }));
  const dims = targetedDims(rows, config);
  const options = useMemo(() => optionsWithinBudget(dims, budget).slice(0, 8), [dims.length, rows, config.target_modules, config.exclude_modules, config.layers_to_transform, budget]);
  return (
    <section className="budget" aria-label="Parameter budget helper">
      <h3>Fit a parameter budget</h3>
      <NumberField label="Budget (trainable parameters)" integer value={budget} onChange={setBudget} />
      {dims.length === 0 ? <p className="hint">Select layers first.</p> : options.length === 0 ? <p className="hint">No (block size, factors) pair valid for all {dims.length} layers fits this budget.</p> : (
        <table>
          <caption>Valid for all {dims.length} selected layers, largest first</caption>
          <thead><tr><th scope="col">Block size</th><th scope="col">Factors</th><th scope="col">Parameters</th><th scope="col"><span className="sr-only">Apply</span></th></tr></thead>
          <tbody>
            {options.map((o) => (
              <tr key={`${o.blockSize}-${o.factors}`}>
                <td>{o.blockSize}</td><td>{o.factors}</td><td>{fmtInt(o.params)}</td>
                <td><button type="button" onClick={() => { setField('boft_block_size', o.blockSize); setField('boft_block_num', 0); setField('boft_n_butterfly_factor', o.factors); }}>Use</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const PRESETS: { id: Preset; label: string }[] = [
  { id: 'attention', label: 'Attention only' },
  { id: 'mlp', label: 'MLP only' },
  { id: 'all-linear', label: 'All linear' },
];

function Picker() {
  const s = usePick((x) => ({
    viewTree: x.viewTree, config: x.config, report: x.report, reportConfig: x.reportConfig, expanded: x.expanded, query: x.query, typeFilter: x.typeFilter,
    focusedKey: x.focusedKey, toggleExpanded: x.toggleExpanded, setTargeted: x.setTargeted, setQuery: x.setQuery, toggleType: x.toggleType,
    setFocused: x.setFocused, expandAll: x.expandAll, collapseAll: x.collapseAll,
  }));
  const serviceLayers = useMemo(() => new Map((s.report && s.reportConfig === s.config ? s.report.layers : []).map((l) => [l.path, l])), [s.report, s.reportConfig, s.config]);
  if (!s.viewTree) return null;
  return (
    <ModuleTree
      root={s.viewTree} config={s.config} serviceLayers={serviceLayers} expanded={s.expanded} query={s.query} typeFilter={s.typeFilter}
      focusedKey={s.focusedKey} height={420} onToggleExpanded={s.toggleExpanded} onSetTargeted={s.setTargeted} onQuery={s.setQuery}
      onToggleType={s.toggleType} onFocus={s.setFocused} onExpandAll={s.expandAll} onCollapseAll={s.collapseAll}
    />
  );
}

export function ConfigEditor() {
  const { config, setField, applyPreset, report, reportConfig, validationError, configNotice } = usePick((s) => ({ config: s.config, setField: s.setField, applyPreset: s.applyPreset, report: s.report, reportConfig: s.reportConfig, validationError: s.validationError, configNotice: s.configNotice }));
  const errors = { ...localFieldErrors(config) };
  if (report && reportConfig === config) for (const e of report.configErrors) errors[e.field] ??= e.message;
  return (
    <div className="config-screen">
      <div className="config-left">
        <div className="presets" role="group" aria-label="Presets">
          {PRESETS.map((p) => <button key={p.id} type="button" onClick={() => applyPreset(p.id)}>{p.label}</button>)}
        </div>
        {configNotice ? <p className="notice" role="status">{configNotice}</p> : null}
        {validationError ? <p className="field-error" role="alert">{validationError}</p> : null}
        <Figures />
        <Problems />
        <ConfigForm c={config} set={setField} errors={errors} />
      </div>
      <div className="config-right">
        <Picker />
        <BudgetHelper />
      </div>
    </div>
  );
}
