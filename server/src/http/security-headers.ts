import type http from 'node:http';

/**
 * What the PWA needs and nothing more: its own scripts and workers, inline styles (Vue Flow positions
 * nodes with style attributes), data:/blob: images, and the API on the same origin (HTTP, SSE, ws/wss).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "worker-src 'self'",
  "manifest-src 'self'",
  "media-src 'self' data: blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every response carries. GraphiQL (development only) loads from a CDN, so it gets no CSP. */
export function applySecurityHeaders(res: http.ServerResponse, options: { csp: boolean }): void {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  if (options.csp) res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
}

/**
 * Browsers send Origin on cross-site requests and on every WebSocket handshake. Allowed: none at all
 * (scripts, servers, devices), our own origin (the Host the browser addressed), or a configured one.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  configured: readonly string[],
): boolean {
  if (!origin) return true;
  if (configured.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
