// Adapters: state, actions behind a confirmation that says what will change, the merge
// agreement on a held-out batch, export with progress, and loading an exported adapter.
import { useEffect, useRef, useState } from 'react';
import type { AdapterInfo } from '../api';
import type { AdapterAction } from '../store/adapters-slice';
import { usePick } from '../store/context';
import { CheckField, fmtBytes, fmtInt, TextField } from './fields';

const ACTIONS: { action: AdapterAction; label: string; enabled(a: AdapterInfo, all: AdapterInfo[]): boolean }[] = [
  { action: 'activate', label: 'Activate', enabled: (a) => !a.active },
  { action: 'merge', label: 'Merge', enabled: (a) => !a.merged },
  { action: 'unmerge', label: 'Unmerge', enabled: (_a, all) => all.some((x) => x.merged) },
  { action: 'merge_and_unload', label: 'Merge and unload', enabled: () => true },
  { action: 'unload', label: 'Unload', enabled: () => true },
  { action: 'delete', label: 'Delete', enabled: () => true },
];

function Confirm() {
  const { pending, confirm, cancel } = usePick((s) => ({ pending: s.pending, confirm: s.confirmAction, cancel: s.cancelAction }));
  const ok = useRef<HTMLButtonElement>(null);
  useEffect(() => ok.current?.focus(), [pending]);
  if (!pending) return null;
  return (
    <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="confirm-title" aria-describedby="confirm-effect" data-testid="confirm" onKeyDown={(e) => e.key === 'Escape' && cancel()}>
      <h3 id="confirm-title">{ACTIONS.find((a) => a.action === pending.action)?.label} '{pending.name}'?</h3>
      <p id="confirm-effect" data-testid="confirm-effect">{pending.effect}</p>
      <button ref={ok} type="button" data-testid="confirm-ok" onClick={() => void confirm()}>Confirm</button>
      <button type="button" onClick={cancel}>Cancel</button>
    </div>
  );
}

function AdapterList() {
  const { adapters, request, busy } = usePick((s) => ({ adapters: s.adapters, request: s.requestAction, busy: s.adapterBusy }));
  const [safe, setSafe] = useState(true);
  if (adapters.length === 0) return <p data-testid="no-adapters">No adapter is loaded. Train one, or load an exported adapter below.</p>;
  return (
    <>
      <CheckField label="Safe merge (check merged weights for NaN/Inf before committing)" checked={safe} onChange={setSafe} />
      <table className="adapters" data-testid="adapter-list">
        <caption>Adapters on the open model</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">State</th><th scope="col">Layers</th><th scope="col">Parameters</th><th scope="col">Origin</th><th scope="col">Actions</th></tr></thead>
        <tbody>
          {adapters.map((a) => (
            <tr key={a.name} data-testid={`adapter-${a.name}`}>
              <td>{a.name}</td>
              <td data-testid={`adapter-state-${a.name}`}>{[a.active ? 'active' : 'inactive', a.merged ? 'merged' : 'unmerged'].join(', ')}</td>
              <td>{a.targetPaths.length}</td>
              <td data-testid={`adapter-params-${a.name}`}>{fmtInt(a.numParams)}</td>
              <td>{a.origin.kind === 'loaded' ? `loaded from ${a.origin.path}` : a.origin.kind === 'trained' ? `trained (${a.origin.runId})` : 'new'}</td>
              <td className="actions">
                {ACTIONS.map((x) => (
                  <button key={x.action} type="button" disabled={busy || !x.enabled(a, adapters)} data-testid={`act-${x.action}-${a.name}`} onClick={() => request(a.name, x.action, safe)}>{x.label}</button>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Agreement() {
  const { lastMerge } = usePick((s) => ({ lastMerge: s.lastMerge }));
  if (!lastMerge) return null;
  const a = lastMerge.agreement;
  if (!a) return <p className="notice" role="status" data-testid="agreement-none">The service ran no merged-vs-unmerged check for this merge (no held-out batch was available).</p>;
  return (
    <p className="agreement" role="status" data-testid="agreement">
      {a.batch === 'validation'
        ? <>Merged vs unmerged outputs on a held-out batch of {a.samples} validation examples</>
        : <>Merged vs unmerged outputs on a synthetic batch of {a.samples} seeded inputs (the project has no validation data)</>}
      : max |difference| = <b>{a.maxAbsDiff.toExponential(2)}</b>
      {a.maxAbsDiff <= 1e-4 ? ' (agrees to fp32 rounding)' : ' (larger than fp32 rounding; check the adapter)'}
    </p>
  );
}

function Export() {
  const { adapters, job, exportAdapter, exportMerged } = usePick((s) => ({ adapters: s.adapters, job: s.exportJob, exportAdapter: s.exportAdapter, exportMerged: s.exportMerged }));
  const [dir, setDir] = useState('');
  const [name, setName] = useState('');
  const chosen = name || adapters.find((a) => a.active)?.name || adapters[0]?.name || '';
  return (
    <section aria-label="Export">
      <h3>Export</h3>
      <TextField label="Export folder" testId="export-dir" value={dir} onChange={setDir} placeholder="/path/to/folder" />
      <label htmlFor="export-name">Adapter to export</label>
      <select id="export-name" value={chosen} onChange={(e) => setName(e.target.value)}>
        {adapters.map((a) => <option key={a.name} value={a.name}>{a.name}</option>)}
      </select>
      <div className="buttons">
        <button type="button" data-testid="btn-export-adapter" disabled={!dir || !chosen || (job !== null && !job.finished)} onClick={() => void exportAdapter(chosen, dir)}>Export adapter (PEFT format)</button>
        <button type="button" data-testid="btn-export-merged" disabled={!dir || (job !== null && !job.finished)} onClick={() => void exportMerged(dir, true)}>Export merged model (HF checkpoint)</button>
      </div>
      {job ? (
        <div role="status" aria-live="polite" data-testid="export-status">
          <progress max={job.total || 1} value={job.finished && !job.error ? job.total || 1 : job.done} aria-label="Export progress" />
          {job.error ? <span className="field-error">{job.error}</span> : job.finished ? <span data-testid="export-done">Wrote {job.files.length} files ({fmtBytes(job.bytes)}) to {job.dir}</span> : <span>{job.phase ?? 'starting'}…</span>}
        </div>
      ) : null}
    </section>
  );
}

function Load() {
  const { load, busy } = usePick((s) => ({ load: s.loadAdapter, busy: s.adapterBusy }));
  const [path, setPath] = useState('');
  const [name, setName] = useState('loaded');
  return (
    <section aria-label="Load adapter">
      <h3>Load an adapter (PEFT format)</h3>
      <TextField label="Adapter folder" testId="load-path" value={path} onChange={setPath} placeholder="folder with adapter_config.json" />
      <TextField label="Name to load it as" testId="load-name" value={name} onChange={setName} />
      <button type="button" data-testid="btn-load" disabled={busy || !path || !name} onClick={() => void load(path, name)}>Load adapter</button>
    </section>
  );
}

export function AdaptersPanel() {
  const { error } = usePick((s) => ({ error: s.adapterError }));
  return (
    <div className="adapters-screen">
      {error ? <p className="field-error" role="alert" data-testid="adapter-error">{error}</p> : null}
      <AdapterList />
      <Confirm />
      <Agreement />
      <div className="two-col">
        <Export />
        <Load />
      </div>
    </div>
  );
}
