// Security policy shared by Electron main and browser mode: one CSP, one set of headers,
// and the token/origin/host checks of `boft serve`.
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** No unsafe-eval anywhere; inline styles only because React/uPlot set style attributes. */
export function contentSecurityPolicy(connectSrc: string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${connectSrc.map((c) => ` ${c}`).join('')}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function securityHeaders(connectSrc: string[] = []): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(connectSrc),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=()',
  };
}

/** 256 bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokensEqual(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const TOKEN_COOKIE = 'boft_token';

export function cookieToken(cookieHeader: string | undefined): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === TOKEN_COOKIE) return v.join('=');
  }
  return null;
}

/**
 * Host names a page may be reached by. Checking Host defeats DNS rebinding: a hostile page
 * whose name resolves to 127.0.0.1 still sends its own name in Host.
 */
export function allowedHosts(bindHost: string, port: number): Set<string> {
  const names = new Set([bindHost, '127.0.0.1', 'localhost', '[::1]']);
  if (bindHost === '::1') names.add('[::1]');
  return new Set([...names].map((h) => `${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}:${port}`));
}

/** The Origin a page served by us sends: same scheme and the Host it was loaded from. */
export function originAllowed(origin: string | undefined, host: string | undefined, hosts: Set<string>): boolean {
  if (!origin || !host || !hosts.has(host)) return false;
  return origin === `http://${host}`;
}
