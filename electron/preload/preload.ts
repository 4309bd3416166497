// The only bridge between the page and the app: `window.boftBridge` with send/onMessage.
// No ipcRenderer, no Node: the page can send contract messages (main validates them) and
// receive host messages, nothing else. Bundled as CommonJS because sandboxed preloads are.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { BRIDGE_GLOBAL, IPC_TO_MAIN, IPC_TO_RENDERER, type BridgeApi } from '../shared/channels';
import type { ClientMessage } from '../shared/contract';

const bridge: BridgeApi = {
  send(message: ClientMessage): void {
    ipcRenderer.send(IPC_TO_MAIN, message);
  },
  onMessage(listener: (message: unknown) => void): () => void {
    // Wrap so the page never sees the IpcRendererEvent (it exposes `sender`).
    const wrapped = (_e: IpcRendererEvent, message: unknown): void => listener(message);
    ipcRenderer.on(IPC_TO_RENDERER, wrapped);
    return () => {
      ipcRenderer.removeListener(IPC_TO_RENDERER, wrapped);
    };
  },
};

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, bridge);
