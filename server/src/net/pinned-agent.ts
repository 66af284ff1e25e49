import type { LookupAddress, LookupOptions } from 'node:dns';
import type { Agent } from 'undici';
import type { VettedTarget } from './target.js';
import { loadUndici } from './undici.js';

export interface OutboundTlsOptions {
  /** Extra trusted CA certificates (PEM), e.g. for a LAN device with its own CA. */
  ca?: string | Buffer | Array<string | Buffer>;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

function lookupError(hostname: string, message: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${message} (${hostname})`);
  error.code = 'ENOTFOUND';
  return error;
}

/**
 * An undici Agent whose sockets can only reach the target's vetted addresses. The socket is still opened
 * for the original host name (so TLS SNI and certificate checks use it and Host stays intact), but the
 * name is answered from the vetted list instead of a fresh DNS query: no rebinding window.
 */
export async function createPinnedAgent(target: VettedTarget, tls: OutboundTlsOptions = {}): Promise<Agent> {
  const { Agent } = await loadUndici();
  const expected = target.hostname.toLowerCase();
  const lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    if (hostname.toLowerCase() !== expected) {
      callback(lookupError(hostname, 'pinned agent asked for an unexpected host'), '');
      return;
    }
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const matches = target.addresses.filter((a) => !family || a.family === family);
    const first = matches[0];
    if (!first) {
      callback(lookupError(hostname, `no vetted IPv${family} address`), '');
      return;
    }
    if (options.all)
      callback(
        null,
        matches.map((a) => ({ address: a.address, family: a.family })),
      );
    else callback(null, first.address, first.family);
  };
  return new Agent({
    connect: { lookup, ...(tls.ca ? { ca: tls.ca } : {}) },
    // One request per agent; nothing to keep alive, and no pipelining of a second hop onto this socket.
    keepAliveTimeout: 1,
    pipelining: 0,
    connections: 1,
  });
}
