// Binds the service's pushed events to the store, outside React: the page calls this once
// at startup, so no event is lost to a component that is not mounted.
import type { StudioApi, StudioEvent } from '../api';
import type { StudioStore } from './index';

export function routeEvent(store: StudioStore, event: StudioEvent): void {
  const s = store.getState();
  switch (event.type) {
    case 'run.state':
    case 'train.step':
    case 'train.eval':
    case 'train.diagnostics':
    case 'train.checkpoint':
      return s.ingestTraining(event);
    case 'export.progress':
    case 'adapters.changed':
      return s.ingestAdapters(event);
    case 'model.changed':
      void s.modelChanged(event.model);
      return;
    case 'worker.crashed':
      return s.workerCrashed(event.reason, event.lastCheckpoint);
    case 'worker.restarted':
      void s.hydrate();
      return;
    case 'log':
      if (event.level === 'error') store.setState({ projectError: event.message });
      return;
  }
}

/** Subscribes the store to `api`'s events; a gap in event numbers re-reads the snapshot. */
export function bindStore(api: StudioApi, store: StudioStore): () => void {
  const offEvents = api.onAny((event) => routeEvent(store, event));
  const offProblems = api.onProblem((p) => {
    if (p.kind === 'seq-gap') void store.getState().hydrate();
  });
  return () => {
    offEvents();
    offProblems();
  };
}
