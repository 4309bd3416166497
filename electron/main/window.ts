// The studio window: secure webPreferences, CSP on every response, navigation and new
// windows blocked, external links handed to the system browser after validation.
import { BrowserWindow, session, shell } from 'electron';
import { externalUrlAllowed, isAppUrl, secureWebPreferences, withSecurityHeaders } from './policy';

export interface WindowOptions {
  preload: string;
  indexUrl: string;
  icon?: string;
  onReload: (contentsId: number) => void;
  log: (line: string) => void;
}

export function installSessionPolicy(log: (line: string) => void): void {
  const ses = session.defaultSession;
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withSecurityHeaders(details.responseHeaders ?? {}) });
  });
  // The studio needs no camera, microphone, notifications, ...
  ses.setPermissionRequestHandler((_wc, permission, callback) => {
    log(`denied permission request: ${permission}`);
    callback(false);
  });
}

export function createStudioWindow(o: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1280,
    minHeight: 720,
    title: 'BOFT Studio',
    icon: o.icon,
    show: false,
    webPreferences: secureWebPreferences(o.preload),
  });
  const wc = win.webContents;
  wc.setWindowOpenHandler(({ url }) => {
    openExternal(url, o.log);
    return { action: 'deny' };
  });
  wc.on('will-navigate', (event, url) => {
    if (isAppUrl(url, o.indexUrl)) return;
    event.preventDefault();
    openExternal(url, o.log);
  });
  wc.on('will-attach-webview', (event) => event.preventDefault());
  wc.on('did-start-navigation', (details) => {
    if (details.isMainFrame && !details.isSameDocument) o.onReload(wc.id);
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(o.indexUrl);
  return win;
}

function openExternal(url: string, log: (line: string) => void): void {
  if (externalUrlAllowed(url)) void shell.openExternal(url);
  else log(`blocked navigation to ${url}`);
}
