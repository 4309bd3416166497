// Electron main: one CoreHost (the core runs in a worker thread, never here), the IPC
// router with sender checks, native dialogs answered locally, and the studio window.
import { app, BrowserWindow, dialog, ipcMain } from 'electron';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CoreHost } from '../node/core-host';
import { coreWorkerFactory } from '../node/worker-factory';
import { appRoot, rendererDist } from '../node/paths';
import { IPC_TO_MAIN, IPC_TO_RENDERER, PROJECT_EXTENSION } from '../shared/contract';
import type { Handlers } from '../shared/dispatcher';
import { IpcRouter } from './ipc-router';
import { createStudioWindow, installSessionPolicy } from './window';

const log = (line: string): void => {
  process.stderr.write(`[boft-studio] ${line}\n`);
};
const here = dirname(fileURLToPath(import.meta.url));
const root = appRoot(here);
const preload = join(here, '..', 'preload', 'preload.cjs');
const indexUrl = pathToFileURL(join(rendererDist(root), 'index.html')).href;
const icon = join(root, 'assets', 'icons', 'icon.png');

const local: Partial<Handlers> = {
  'dialog.open': async (p) => {
    const win = BrowserWindow.getFocusedWindow();
    const title = p.title ?? 'BOFT Studio';
    if (p.kind === 'saveFile') {
      const r = win ? await dialog.showSaveDialog(win, { title }) : await dialog.showSaveDialog({ title });
      return { path: r.canceled || !r.filePath ? null : r.filePath };
    }
    const properties: ('openDirectory' | 'openFile')[] = [p.kind === 'folder' ? 'openDirectory' : 'openFile'];
    const r = win ? await dialog.showOpenDialog(win, { title, properties }) : await dialog.showOpenDialog({ title, properties });
    return { path: r.canceled ? null : (r.filePaths[0] ?? null) };
  },
};

/** Project files among command-line arguments (the OS passes them on double-click). */
function projectFiles(args: string[]): string[] {
  return args.filter((a) => a.endsWith(PROJECT_EXTENSION) && !a.startsWith('-'));
}

// macOS sends open-file before 'ready' on a cold start, so this listens from the first tick;
// the paths wait until a window's renderer is connected.
const pendingFiles = projectFiles(process.argv.slice(1));
let deliverFiles: () => void = () => {};
function requestOpen(paths: string[]): void {
  pendingFiles.push(...paths);
  deliverFiles();
}
app.on('open-file', (event, path) => {
  event.preventDefault();
  requestOpen(projectFiles([path]));
});

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) return app.quit();
  await app.whenReady();
  installSessionPolicy(log);
  const host = new CoreHost(coreWorkerFactory({ mode: 'electron' }), { local, log });
  const flushFiles = (): void => {
    for (const path of pendingFiles.splice(0)) host.hub.emit({ type: 'app.openFile', path });
  };
  const router = new IpcRouter(host, indexUrl, IPC_TO_RENDERER, log, flushFiles);
  deliverFiles = () => router.connectionCount > 0 && flushFiles();
  ipcMain.on(IPC_TO_MAIN, (event, message: unknown) => {
    const frame = event.senderFrame;
    router.receive({ sender: event.sender, senderFrame: frame ? { url: frame.url, isMainFrame: frame.parent === null } : null }, message);
  });
  const open = (): void => {
    createStudioWindow({ preload, indexUrl, icon: existsSync(icon) ? icon : undefined, onReload: (id) => router.reset(id), log });
  };
  open();
  app.on('second-instance', (_e, argv) => {
    BrowserWindow.getAllWindows()[0]?.focus();
    requestOpen(projectFiles(argv.slice(1)));
  });
  app.on('activate', () => BrowserWindow.getAllWindows().length === 0 && open());
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => void host.dispose());
}

main().catch((e: unknown) => {
  log(`fatal: ${(e as Error).stack ?? String(e)}`);
  app.exit(1);
});
