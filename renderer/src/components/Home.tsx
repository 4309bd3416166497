// Home: open the embedded sample or a model folder, recent projects, run history, and a
// two-run comparison (loss curves overlaid, config diff).
import { useState } from 'react';
import type { RunHistory } from '../api';
import { usePick } from '../store/context';
import { TextField } from './fields';
import { LineChart, type ChartData } from './LineChart';

function OpenModel() {
  const s = usePick((x) => ({
    openSample: x.openSample, openFolder: x.openFolder, busy: x.projectBusy, recent: x.recent, model: x.model, dialogs: x.dialogs,
    browse: x.browseFolder, openProject: x.openProject, saveProject: x.saveProject, projectPath: x.projectPath,
  }));
  const [path, setPath] = useState('');
  const [projectFile, setProjectFile] = useState('');
  return (
    <section aria-label="Open a model">
      <h2>Open</h2>
      <button type="button" data-testid="btn-open-sample" disabled={s.busy} onClick={() => void s.openSample()}>Open the embedded sample</button>
      <form className="inline" onSubmit={(e) => { e.preventDefault(); void s.openFolder(path); }}>
        <TextField label="Model folder" testId="open-folder" value={path} onChange={setPath} placeholder="folder with config.json and model.safetensors" />
        <button type="submit" disabled={s.busy}>Open folder</button>
        {s.dialogs ? <button type="button" disabled={s.busy} onClick={() => void s.browse()}>Browse…</button> : null}
      </form>
      {s.model ? <p data-testid="open-model">Open: <b>{s.model.name}</b> ({s.model.architecture}, {s.model.numModules} modules)</p> : null}
      <h3>Projects</h3>
      <form className="inline" onSubmit={(e) => { e.preventDefault(); void s.saveProject(projectFile); }}>
        <TextField label="Project file (.boftproj)" value={projectFile} onChange={setProjectFile} placeholder={s.projectPath ?? '/path/to/study.boftproj'} />
        <button type="submit" disabled={!projectFile || !s.model}>Save project</button>
        <button type="button" disabled={!projectFile} onClick={() => void s.openProject(projectFile)}>Open project</button>
      </form>
      <h4>Recent projects</h4>
      {s.recent.length === 0 ? <p className="hint">None yet.</p> : (
        <ul className="recent">{s.recent.map((p) => <li key={p}><button type="button" className="link" onClick={() => void s.openProject(p)}>{p}</button></li>)}</ul>
      )}
    </section>
  );
}

function lossOf(h: RunHistory): Map<number, number | null> {
  return new Map(h.steps.map((m) => [m.step, m.loss]));
}

function Compare() {
  const { comparison } = usePick((x) => ({ comparison: x.comparison }));
  if (!comparison) return null;
  const data = (): ChartData => {
    const a = lossOf(comparison.historyA);
    const b = lossOf(comparison.historyB);
    const x = [...new Set([...a.keys(), ...b.keys()])].sort((p, q) => p - q);
    return { x, lines: [
      { label: `${comparison.a.runId} loss`, color: '#2563eb', y: x.map((s) => a.get(s) ?? null), smoothable: true },
      { label: `${comparison.b.runId} loss`, color: '#dc2626', y: x.map((s) => b.get(s) ?? null), smoothable: true },
    ] };
  };
  return (
    <section aria-label="Run comparison" data-testid="comparison">
      <LineChart title={`Loss: ${comparison.a.runId} vs ${comparison.b.runId}`} testId="chart-compare" version={0} data={data} controls />
      <table>
        <caption>Config differences</caption>
        <thead><tr><th scope="col">Field</th><th scope="col">{comparison.a.runId}</th><th scope="col">{comparison.b.runId}</th></tr></thead>
        <tbody>
          {comparison.diff.length === 0 ? <tr><td colSpan={3}>Same BOFT config.</td></tr> : comparison.diff.map((d) => <tr key={d.field}><td><code>{d.field}</code></td><td>{d.a}</td><td>{d.b}</td></tr>)}
        </tbody>
      </table>
    </section>
  );
}

function Runs() {
  const s = usePick((x) => ({ runs: x.runs, ids: x.compareIds, toggle: x.toggleCompare, load: x.loadComparison, error: x.historyError }));
  return (
    <section aria-label="Run history">
      <h2>Runs</h2>
      {s.runs.length === 0 ? <p className="hint">No runs yet.</p> : (
        <table data-testid="runs">
          <thead><tr><th scope="col">Compare</th><th scope="col">Run</th><th scope="col">Adapter</th><th scope="col">State</th><th scope="col">Started</th><th scope="col">Last loss</th><th scope="col">Bundle</th></tr></thead>
          <tbody>
            {s.runs.map((r) => (
              <tr key={r.runId}>
                <td><input type="checkbox" aria-label={`compare ${r.runId}`} checked={s.ids.includes(r.runId)} onChange={() => s.toggle(r.runId)} /></td>
                <td>{r.runId}</td><td>{r.adapterName}</td><td>{r.state}</td><td>{r.startedAt}</td>
                <td>{r.lastStep?.loss?.toFixed(4) ?? '—'}</td><td><code>{r.bundlePath ?? '—'}</code></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button type="button" disabled={s.ids.length !== 2} onClick={() => void s.load()}>Compare the two picked runs</button>
      {s.error ? <p className="field-error" role="alert">{s.error}</p> : null}
      <Compare />
    </section>
  );
}

export function Home() {
  return (
    <div className="home">
      <OpenModel />
      <Runs />
    </div>
  );
}
