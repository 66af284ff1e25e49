import type { Dispatcher } from 'undici';
import type { OutboundPolicy } from './address-policy.js';
import { OutboundBlockedError, OutboundRequestError } from './errors.js';
import { createPinnedAgent, type OutboundTlsOptions } from './pinned-agent.js';
import { loadUndici } from './undici.js';
import { redactUrl, vetOutboundUrl, type OutboundResolver, type VettedTarget } from './target.js';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_REDIRECTS = 5;
export const DEFAULT_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

export interface SafeFetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Serialised as the body, with `content-type: application/json` unless a content type is given. */
  json?: unknown;
  signal?: AbortSignal;
}

export interface SafeFetchOptions {
  /** Parsed KINFLOW_OUTBOUND_ALLOW; without it only public addresses are reachable. */
  policy?: OutboundPolicy;
  timeoutMs?: number;
  maxRedirects?: number;
  maxResponseBytes?: number;
  tls?: OutboundTlsOptions;
  /** Test seam: name resolution (defaults to dns.promises.lookup with all addresses). */
  resolve?: OutboundResolver;
  /**
   * Test seam: the dispatcher for one vetted hop (defaults to an Agent pinned to the vetted addresses).
   * A dispatcher returned here belongs to the caller and is not closed.
   */
  createDispatcher?: (target: VettedTarget) => Dispatcher;
}

export interface SafeFetchResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Parsed body when the content type is JSON and the body parses; otherwise undefined. */
  json?: unknown;
  /** The URL that produced this response (after redirects). */
  url: string;
  /** Every URL that answered with a redirect, in order. */
  redirects: string[];
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Set by undici from the URL/body; letting callers override them would desynchronise Host from SNI/pinning.
const DROPPED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive']);
// Credentials must not follow a redirect to another origin (fetch spec, "HTTP-redirect fetch").
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

interface HopRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
}

function initialRequest(url: string, init: SafeFetchInit): HopRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(init.headers ?? {})) {
    const key = name.toLowerCase();
    if (!DROPPED_HEADERS.has(key)) headers[key] = value;
  }
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers['content-type'] ??= 'application/json';
  }
  headers['user-agent'] ??= 'Kinflow';
  return { url, method: (init.method ?? (body === undefined ? 'GET' : 'POST')).toUpperCase(), headers, body };
}

function redirectRequest(previous: HopRequest, status: number, next: URL): HopRequest {
  const headers = { ...previous.headers };
  let { method, body } = previous;
  // 303 always becomes GET; 301/302 turn POST into GET as browsers do; 307/308 replay method and body.
  if (status === 303 ? method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST') {
    method = 'GET';
    body = undefined;
    for (const key of ['content-type', 'content-encoding', 'content-language', 'content-location']) {
      delete headers[key];
    }
  }
  if (new URL(previous.url).origin !== next.origin) {
    for (const key of CREDENTIAL_HEADERS) delete headers[key];
  }
  return { url: next.href, method, headers, body };
}

function plainHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function decodeBody(bytes: Buffer, contentType: string | undefined): { text: string; json?: unknown } {
  const [mediaType = '', ...params] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice(8)
    .replace(/"/g, '');
  let text: string;
  try {
    text = new TextDecoder(charset || 'utf-8').decode(bytes);
  } catch {
    text = new TextDecoder('utf-8').decode(bytes);
  }
  const isJson = mediaType === 'application/json' || mediaType.endsWith('+json');
  if (!isJson || text.trim() === '') return { text };
  try {
    return { text, json: JSON.parse(text) as unknown };
  } catch {
    // A JSON content type with a broken body is the server's problem; the caller still gets the text.
    return { text };
  }
}

async function readCapped(
  body: Dispatcher.ResponseData['body'],
  limit: number,
  url: string,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      body.destroy();
      throw new OutboundRequestError('too_large', url, `response body exceeds ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** Credentials in the URL become a Basic Authorization header (as curl does) and leave the URL. */
function withoutUserinfo(url: URL, headers: Record<string, string>): URL {
  if (!url.username && !url.password) return url;
  const plain = new URL(url);
  const decode = (part: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part; // the URL parser keeps a stray "%" as is; send it as written
    }
  };
  const user = decode(url.username);
  const password = decode(url.password);
  headers.authorization ??= `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  plain.username = '';
  plain.password = '';
  return plain;
}

function mapError(
  error: unknown,
  url: string,
  timeout: AbortSignal,
  caller: AbortSignal | undefined,
  ms: number,
) {
  if (error instanceof OutboundBlockedError || error instanceof OutboundRequestError) return error;
  if (timeout.aborted) return new OutboundRequestError('timeout', url, `request timed out after ${ms} ms`);
  if (caller?.aborted)
    return new OutboundRequestError('aborted', url, 'request was aborted', { cause: error });
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  return new OutboundRequestError('network', url, `request failed: ${code ? `${code} ` : ''}${message}`, {
    cause: error,
  });
}

/**
 * The one way Kinflow talks to the outside: http(s) only, public addresses unless allow-listed, pinned to the
 * vetted address, redirects followed by hand and re-vetted, bounded in time and size.
 */
export async function safeFetch(
  url: string | URL,
  init: SafeFetchInit = {},
  options: SafeFetchOptions = {},
): Promise<SafeFetchResponse> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  const redirects: string[] = [];
  let hop = initialRequest(String(url), init);

  for (;;) {
    let target: VettedTarget;
    try {
      target = await vetOutboundUrl(hop.url, {
        policy: options.policy,
        resolve: options.resolve,
        signal,
        hop: redirects.length,
      });
    } catch (error) {
      throw mapError(error, redactUrl(hop.url), timeout, init.signal, timeoutMs);
    }
    const shown = redactUrl(target.url);
    const requestUrl = withoutUserinfo(target.url, hop.headers);
    const owned = !options.createDispatcher;
    const { request } = await loadUndici();
    const dispatcher = options.createDispatcher?.(target) ?? (await createPinnedAgent(target, options.tls));
    try {
      const res = await request(requestUrl, {
        method: hop.method as Dispatcher.HttpMethod,
        headers: hop.headers,
        body: hop.body,
        dispatcher,
        signal,
      });
      const headers = plainHeaders(res.headers);
      if (REDIRECT_STATUSES.has(res.statusCode) && headers.location !== undefined) {
        await res.body.dump({ limit: 64 * 1024, signal });
        if (redirects.length >= maxRedirects) {
          throw new OutboundRequestError('too_many_redirects', shown, `more than ${maxRedirects} redirects`);
        }
        let next: URL;
        try {
          next = new URL(headers.location, requestUrl);
        } catch {
          throw new OutboundRequestError(
            'bad_redirect',
            shown,
            `invalid redirect location "${headers.location}"`,
          );
        }
        redirects.push(shown);
        hop = redirectRequest(hop, res.statusCode, next);
        continue;
      }
      const declared = Number(headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        res.body.destroy();
        throw new OutboundRequestError(
          'too_large',
          shown,
          `response body of ${declared} bytes exceeds ${maxBytes}`,
        );
      }
      const bytes = await readCapped(res.body, maxBytes, shown);
      const { text, json } = decodeBody(bytes, headers['content-type']);
      return {
        status: res.statusCode,
        headers,
        body: text,
        ...(json !== undefined ? { json } : {}),
        url: shown,
        redirects,
      };
    } catch (error) {
      throw mapError(error, shown, timeout, init.signal, timeoutMs);
    } finally {
      if (owned) await (dispatcher as { destroy(): Promise<void> }).destroy().catch(() => undefined);
    }
  }
}
