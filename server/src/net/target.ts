import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import {
  canAllowlistOverride,
  classifyAddress,
  EMPTY_OUTBOUND_POLICY,
  isAddressAllowlisted,
  isHostAllowlisted,
  isLoopbackName,
  type OutboundPolicy,
} from './address-policy.js';
import { OutboundBlockedError, OutboundRequestError } from './errors.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has. Injectable so tests never touch real DNS. */
export type OutboundResolver = (hostname: string, signal?: AbortSignal) => Promise<ResolvedAddress[]>;

export const systemResolver: OutboundResolver = async (hostname) => {
  const results = await lookup(hostname, { all: true, verbatim: true });
  return results.map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4 }));
};

/** A URL that passed the policy, with the only addresses a connection to it may use. */
export interface VettedTarget {
  url: URL;
  protocol: 'http:' | 'https:';
  /** Host as the URL spells it, without IPv6 brackets: used for Host and TLS SNI. */
  hostname: string;
  port: number;
  /** Every address here was judged; the connection is pinned to them. */
  addresses: ResolvedAddress[];
  /** True when the allowlist (not the public-address rule) let the target through. */
  allowlisted: boolean;
}

export interface VetOptions {
  policy?: OutboundPolicy;
  resolve?: OutboundResolver;
  signal?: AbortSignal;
  /** Which hop this is, for error reports: 0 = the caller's URL. */
  hop?: number;
}

/** The URL as errors and outputs show it: a password in the userinfo becomes `***`. */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    return String(url);
  }
  if (parsed.password) parsed.password = '***';
  return parsed.href;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Check scheme, host name and every resolved address of `input` against the policy. Resolves once:
 * the returned addresses are what the connection must use, so a second DNS answer cannot sneak in.
 */
export async function vetOutboundUrl(input: string | URL, options: VetOptions = {}): Promise<VettedTarget> {
  const policy = options.policy ?? EMPTY_OUTBOUND_POLICY;
  const hop = options.hop ?? 0;
  const text = String(input);
  let url: URL;
  try {
    // The WHATWG parser turns 2130706433, 0177.0.0.1, 0x7f.1 and 127.1 into 127.0.0.1 for http(s).
    url = new URL(text);
  } catch {
    throw new OutboundBlockedError('invalid_url', text, 'not a valid URL', undefined, hop);
  }
  const href = redactUrl(url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundBlockedError(
      'scheme',
      href,
      `scheme ${url.protocol} is not allowed (http and https only)`,
      undefined,
      hop,
    );
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (hostname === '') throw new OutboundBlockedError('invalid_url', href, 'URL has no host', undefined, hop);
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);

  const literalFamily = isIP(hostname);
  const allowByName = literalFamily === 0 && isHostAllowlisted(policy, hostname);
  let addresses: ResolvedAddress[];
  if (literalFamily !== 0) {
    addresses = [{ address: hostname, family: literalFamily === 6 ? 6 : 4 }];
  } else {
    if (!allowByName && isLoopbackName(hostname)) {
      throw new OutboundBlockedError(
        'blocked_host',
        href,
        `host ${hostname} is this machine`,
        undefined,
        hop,
      );
    }
    const resolve = options.resolve ?? systemResolver;
    try {
      addresses = await abortable(resolve(hostname, options.signal), options.signal);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const code = (error as { code?: string }).code;
      throw new OutboundRequestError('dns', href, `cannot resolve ${hostname}${code ? ` (${code})` : ''}`, {
        cause: error,
      });
    }
    if (addresses.length === 0) throw new OutboundRequestError('dns', href, `${hostname} has no addresses`);
  }

  // Every address must pass: a name that mixes public and private records is refused as a whole, since the
  // socket could pick either one.
  const unique = new Map<string, ResolvedAddress>();
  let allowlisted = false;
  for (const entry of addresses) {
    const verdict = classifyAddress(entry.address);
    const overridden =
      (allowByName || isAddressAllowlisted(policy, entry.address)) && canAllowlistOverride(verdict);
    if (!verdict.allowed && !overridden) {
      const via = literalFamily === 0 ? `${hostname} resolves to ` : '';
      throw new OutboundBlockedError(
        'blocked_address',
        href,
        `${via}${verdict.address} (${verdict.range}) is not a public address; add it to KINFLOW_OUTBOUND_ALLOW to reach it`,
        verdict.address,
        hop,
      );
    }
    // A private address got this far only through the allowlist.
    if (!verdict.allowed) allowlisted = true;
    const family = isIP(entry.address) === 6 ? 6 : 4;
    unique.set(entry.address, { address: entry.address, family });
  }
  const all = [...unique.values()];
  return { url, protocol: url.protocol as 'http:' | 'https:', hostname, port, addresses: all, allowlisted };
}
