// Training: dataset and hyperparameters, the backend in use, run controls, and live charts
// (loss with eval, lr, grad norm, throughput, ETA, per-layer BOFT diagnostics).
import type { DatasetSpec, HyperParams } from '../api';
import { formatEta } from '../lib/series';
import { usePick, useStudioStore } from '../store/context';
import { isActive } from '../store/training-slice';
import { NumberField, SelectField, TextField } from './fields';
import { LineChart, type ChartData } from './LineChart';

type DatasetKind = DatasetSpec['kind'];

function DatasetFields() {
  const { dataset, setDataset } = usePick((s) => ({ dataset: s.dataset, setDataset: s.setDataset }));
  const kinds: { value: DatasetKind; label: string }[] = [
    { value: 'sample', label: 'Embedded sample' }, { value: 'imageFolder', label: 'Image folder' },
    { value: 'textClassification', label: 'Text classification (CSV/JSONL)' }, { value: 'causalLm', label: 'Causal LM text' },
  ];
  const path = dataset.kind === 'sample' ? '' : dataset.path;
  const make = (kind: DatasetKind, p: string): DatasetSpec => (kind === 'sample' ? { kind } : { kind, path: p || '.' });
  return (
    <fieldset>
      <legend>Dataset</legend>
      <SelectField<DatasetKind> label="Dataset kind" testId="f-dataset" value={dataset.kind} options={kinds} onChange={(k) => setDataset(make(k, path))} />
      {dataset.kind !== 'sample' ? <TextField label="Dataset path" value={path} onChange={(p) => setDataset(make(dataset.kind, p))} /> : null}
    </fieldset>
  );
}

function HyperFields() {
  const { hyper, setHyper, adapterName, setAdapterName, backend } = usePick((s) => ({ hyper: s.hyper, setHyper: s.setHyper, adapterName: s.adapterName, setAdapterName: s.setAdapterName, backend: s.appInfo?.backend ?? null }));
  const num = (key: keyof HyperParams, label: string, integer = false) => (
    <NumberField label={label} testId={`h-${key}`} integer={integer} value={Number(hyper[key] ?? 0)} onChange={(v) => setHyper(key, v as never)} />
  );
  return (
    <fieldset>
      <legend>Hyperparameters</legend>
      <TextField label="Adapter name" testId="h-adapterName" value={adapterName} onChange={setAdapterName} error={/^[A-Za-z0-9_.-]+$/.test(adapterName) ? null : 'letters, digits, _ . - only'} />
      {num('epochs', 'Epochs', true)}
      {num('batchSize', 'Batch size', true)}
      {num('learningRate', 'Learning rate')}
      {num('weightDecay', 'Weight decay (AdamW, decoupled)')}
      <SelectField<HyperParams['schedule']> label="Schedule" value={hyper.schedule} options={[{ value: 'constant', label: 'constant' }, { value: 'linear', label: 'linear' }, { value: 'cosine', label: 'cosine' }]} onChange={(v) => setHyper('schedule', v)} />
      {num('warmupSteps', 'Warmup steps', true)}
      {num('gradAccumulation', 'Gradient accumulation', true)}
      {num('evalEvery', 'Evaluate every N steps', true)}
      {num('checkpointEvery', 'Checkpoint every N steps', true)}
      {num('seed', 'Seed', true)}
      <SelectField<NonNullable<HyperParams['backend']>> label="Backend" value={hyper.backend ?? 'auto'} options={['auto', 'tensorflow', 'wasm', 'cpu'].map((b) => ({ value: b as NonNullable<HyperParams['backend']>, label: b }))} onChange={(v) => setHyper('backend', v)} hint={`In use: ${backend ?? 'unknown'}`} />
    </fieldset>
  );
}

function Controls() {
  const s = usePick((x) => ({ runState: x.runState, runMessage: x.runMessage, latest: x.latest, lastEval: x.lastEval, start: x.startTraining, pause: x.pauseTraining, resume: x.resumeTraining, cancel: x.cancelTraining, checkpoint: x.lastCheckpoint }));
  const active = isActive(s.runState);
  const l = s.latest;
  return (
    <section className="controls" aria-label="Run controls">
      <div className="buttons">
        <button type="button" data-testid="btn-start" disabled={active} onClick={() => void s.start()}>Start training</button>
        <button type="button" data-testid="btn-pause" disabled={s.runState !== 'running'} onClick={() => void s.pause()}>Pause</button>
        <button type="button" data-testid="btn-resume" disabled={s.runState !== 'paused'} onClick={() => void s.resume()}>Resume</button>
        <button type="button" data-testid="btn-cancel" disabled={!active || s.runState === 'cancelling'} onClick={() => void s.cancel()}>Cancel (saves a checkpoint)</button>
      </div>
      <div className="run-status" role="status" aria-live="polite" data-testid="run-status">
        <span data-testid="run-state">{s.runState}</span>
        {l ? <> · step <span data-testid="run-step">{l.step}</span>/{l.totalSteps} · loss {l.loss === null ? 'diverged' : l.loss.toFixed(4)} · {l.samplesPerSec.toFixed(1)} samples/s · ETA {formatEta(l.etaSec ?? NaN)}</> : null}
        {s.lastEval ? <> · eval loss {s.lastEval.loss?.toFixed(4) ?? '—'}{s.lastEval.accuracy != null ? ` · accuracy ${(s.lastEval.accuracy * 100).toFixed(1)} %` : ''}</> : null}
        {s.checkpoint ? <> · checkpoint at step {s.checkpoint.step}</> : null}
      </div>
      {l ? <progress max={l.totalSteps || 1} value={l.step} aria-label="Training progress" /> : null}
      {s.runMessage ? <p className="field-error" role="alert">{s.runMessage}</p> : null}
    </section>
  );
}

function Charts() {
  const store = useStudioStore();
  const { version } = usePick((s) => ({ version: s.chartVersion }));
  const series = () => store.getState().series;
  const loss = (): ChartData => {
    const s = series();
    const x = s.trainLoss.x();
    return { x, lines: [
      { label: 'train loss', color: '#2563eb', y: s.trainLoss.y(), smoothable: true },
      { label: 'eval loss', color: '#dc2626', sparse: { x: s.evalLoss.x(), y: s.evalLoss.y() } },
    ] };
  };
  const one = (key: 'lr' | 'gradNorm' | 'throughput' | 'eta', label: string, color: string) => (): ChartData => {
    const s = series()[key];
    return { x: s.x(), lines: [{ label, color, y: s.y() }] };
  };
  const diag = (): ChartData => {
    const s = series();
    return { x: s.maxQMinusI.x(), lines: [
      { label: 'max ‖Q − I‖', color: '#7c3aed', y: s.maxQMinusI.y() },
      { label: 'max orthogonality error', color: '#059669', y: s.maxOrthoError.y() },
      { label: 'max scale drift', color: '#d97706', y: s.maxScaleDrift.y() },
    ] };
  };
  return (
    <div className="charts">
      <LineChart title="Loss" testId="chart-loss" version={version} data={loss} controls height={220} />
      <div className="chart-grid">
        <LineChart title="Learning rate" testId="chart-lr" version={version} data={one('lr', 'lr', '#0891b2')} />
        <LineChart title="Gradient norm" testId="chart-grad" version={version} data={one('gradNorm', 'grad norm', '#9333ea')} />
        <LineChart title="Throughput (samples/s)" testId="chart-throughput" version={version} data={one('throughput', 'samples/s', '#16a34a')} />
        <LineChart title="ETA (s)" testId="chart-eta" version={version} data={one('eta', 'ETA', '#64748b')} />
      </div>
      <LineChart title="BOFT diagnostics (max over layers)" testId="chart-diag" version={version} data={diag} controls />
    </div>
  );
}

function LayerTable() {
  const { layers } = usePick((s) => ({ layers: s.layerDiagnostics }));
  if (layers.length === 0) return null;
  const f = (v: number | null): string => (v === null ? '—' : v.toExponential(2));
  return (
    <table className="layer-table" data-testid="layer-diagnostics">
      <caption>Per-layer diagnostics at the last report</caption>
      <thead><tr><th scope="col">Layer</th><th scope="col">‖Q − I‖</th><th scope="col">Orthogonality error</th><th scope="col">Scale drift</th></tr></thead>
      <tbody>{layers.map((l) => <tr key={l.path}><td><code>{l.path}</code></td><td>{f(l.qMinusINorm)}</td><td>{f(l.orthoError)}</td><td>{f(l.scaleDrift)}</td></tr>)}</tbody>
    </table>
  );
}

export function TrainingPanel() {
  return (
    <div className="training-screen">
      <div className="training-left">
        <DatasetFields />
        <HyperFields />
      </div>
      <div className="training-right">
        <Controls />
        <Charts />
        <LayerTable />
      </div>
    </div>
  );
}
