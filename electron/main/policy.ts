// Electron security policy as pure functions (unit-tested without Electron): window
// settings, which frames may talk to the core, which links may leave the app.
import { contentSecurityPolicy } from '../node/security';

export interface SecureWebPreferences {
  preload: string;
  contextIsolation: true;
  sandbox: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  nodeIntegrationInSubFrames: false;
  webSecurity: true;
  allowRunningInsecureContent: false;
  webviewTag: false;
  spellcheck: false;
}

export function secureWebPreferences(preload: string): SecureWebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  };
}

/** The app's pages are files under the renderer folder, loaded by file:// URL. */
export function isAppUrl(url: string, rendererIndexUrl: string): boolean {
  let u: URL;
  let index: URL;
  try {
    u = new URL(url);
    index = new URL(rendererIndexUrl);
  } catch {
    return false;
  }
  if (u.protocol !== index.protocol || u.host !== index.host) return false;
  const base = index.pathname.slice(0, index.pathname.lastIndexOf('/') + 1);
  return u.pathname === index.pathname || (u.pathname.startsWith(base) && !u.pathname.includes('/../'));
}

/** Only the top frame of our own page may call the core. */
export function senderAllowed(frame: { url: string; isMainFrame: boolean } | null, rendererIndexUrl: string): boolean {
  return frame !== null && frame.isMainFrame && isAppUrl(frame.url, rendererIndexUrl);
}

/** Links the user clicks may open in the system browser: web pages only, no credentials. */
export function externalUrlAllowed(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '' && u.hostname !== '';
  } catch {
    return false;
  }
}

/** Response headers for every page the app loads: the CSP (also set by a meta tag in index.html). */
export function withSecurityHeaders(headers: Record<string, string[] | string>): Record<string, string[] | string> {
  const out = { ...headers };
  for (const k of Object.keys(out)) if (k.toLowerCase() === 'content-security-policy') delete out[k];
  out['Content-Security-Policy'] = [contentSecurityPolicy()];
  out['X-Content-Type-Options'] = ['nosniff'];
  return out;
}
