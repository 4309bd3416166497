// Page bootstrap: pick the transport (Electron preload bridge, else WebSocket with the
// URL's token), bind service events to the store outside React, then render.
import { createRoot } from 'react-dom/client';
import { createClient, findBridge, selectTransport } from '../../electron/shared';
import { createStudioStore } from './store';
import { bindStore } from './store/bind';
import { StoreContext } from './store/context';
import { App } from './components/App';
import './styles.css';
import 'uplot/dist/uPlot.min.css';

function boot(): void {
  const rootEl = document.getElementById('root');
  if (!rootEl) throw new Error('index.html has no #root');
  let picked: ReturnType<typeof selectTransport>;
  try {
    picked = selectTransport({ bridge: findBridge(window), href: window.location.href, createWebSocket: (url) => new WebSocket(url) });
  } catch (e) {
    rootEl.textContent = e instanceof Error ? e.message : String(e);
    return;
  }
  const client = createClient(picked.transport);
  const store = createStudioStore({ api: client, debounceMs: 250, schedule: (fn) => requestAnimationFrame(() => fn()) });
  bindStore(client, store);
  picked.transport.onClose((reason) => store.setState({ projectError: `Disconnected from the studio service: ${reason}. Reload to reconnect.` }));
  void store.getState().hydrate();
  createRoot(rootEl).render(
    <StoreContext.Provider value={store}>
      <App transport={picked.kind} />
    </StoreContext.Provider>,
  );
}

boot();
