// The studio shell: header with the backend in use, tabs, the crash banner, the screens.
import type { KeyboardEvent } from 'react';
import type { TransportKind } from '../../../electron/shared';
import type { View } from '../store/project-slice';
import { usePick } from '../store/context';
import { AdaptersPanel } from './AdaptersPanel';
import { ConfigEditor } from './ConfigEditor';
import { Home } from './Home';
import { TrainingPanel } from './TrainingPanel';

const TABS: { view: View; label: string; needsModel: boolean }[] = [
  { view: 'home', label: 'Home', needsModel: false },
  { view: 'config', label: 'Configure', needsModel: true },
  { view: 'training', label: 'Train', needsModel: true },
  { view: 'adapters', label: 'Adapters', needsModel: true },
];

function CrashBanner() {
  const { crash, dismiss, start } = usePick((s) => ({ crash: s.crash, dismiss: s.dismissCrash, start: s.startTraining }));
  if (!crash) return null;
  return (
    <div className="banner" role="alert" data-testid="crash">
      The training core stopped: {crash.reason}.
      {crash.lastCheckpoint ? <button type="button" onClick={() => { dismiss(); void start(crash.lastCheckpoint ?? undefined); }}>Resume from step {crash.lastCheckpoint.step}</button> : null}
      <button type="button" onClick={dismiss}>Dismiss</button>
    </div>
  );
}

function Tabs() {
  const { view, setView, model } = usePick((s) => ({ view: s.view, setView: s.setView, model: s.model }));
  const enabled = TABS.filter((t) => !t.needsModel || model);
  const onKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    const i = enabled.findIndex((t) => t.view === view);
    const next = e.key === 'ArrowRight' ? enabled[(i + 1) % enabled.length] : e.key === 'ArrowLeft' ? enabled[(i - 1 + enabled.length) % enabled.length] : null;
    if (!next) return;
    e.preventDefault();
    setView(next.view);
    document.getElementById(`tab-${next.view}`)?.focus();
  };
  return (
    <div role="tablist" aria-label="Studio sections" onKeyDown={onKey}>
      {TABS.map((t) => (
        <button
          key={t.view} id={`tab-${t.view}`} role="tab" type="button" aria-selected={view === t.view} aria-controls="panel"
          tabIndex={view === t.view ? 0 : -1} disabled={t.needsModel && !model} data-testid={`tab-${t.view}`} onClick={() => setView(t.view)}
        >{t.label}</button>
      ))}
    </div>
  );
}

function Screen() {
  const { view } = usePick((s) => ({ view: s.view }));
  switch (view) {
    case 'home': return <Home />;
    case 'config': return <ConfigEditor />;
    case 'training': return <TrainingPanel />;
    case 'adapters': return <AdaptersPanel />;
  }
}

export function App({ transport }: { transport: TransportKind }) {
  const { info, model, error } = usePick((s) => ({ info: s.appInfo, model: s.model, error: s.projectError }));
  return (
    <div className="app">
      <header>
        <h1>BOFT Studio</h1>
        <Tabs />
        <div className="app-info" data-testid="app-info">
          {model ? <span>{model.name}</span> : null}
          <span>backend: <b data-testid="backend">{info?.backend ?? '—'}</b></span>
          <span>{transport === 'ipc' ? 'desktop' : 'browser'} v{info?.appVersion ?? '?'}</span>
        </div>
      </header>
      <CrashBanner />
      {error ? <p className="banner error" role="alert" data-testid="project-error">{error}</p> : null}
      <main id="panel" role="tabpanel" aria-label="Studio">
        <Screen />
      </main>
    </div>
  );
}
