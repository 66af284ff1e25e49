// Test-only helpers: loopback HTTP(S) servers and a fake resolver. Nothing here listens beyond 127.0.0.1/::1.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { OutboundResolver } from './target.js';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  servername?: string | false | null;
}

export interface TestServer {
  server: Server;
  port: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function collect(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function start(
  server: Server,
  host: string,
  port: number,
  requests: SeenRequest[],
): Promise<TestServer> {
  server.listen(port, host);
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function wrap(handler: Handler, requests: SeenRequest[]) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void collect(req).then((body) => {
      const servername = (req.socket as Partial<TLSSocket>).servername;
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, servername });
      handler(req, res, body);
    });
  };
}

export function startHttpServer(handler: Handler, host = '127.0.0.1', port = 0): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  return start(createServer(wrap(handler, requests)), host, port, requests);
}

export function startHttpsServer(handler: Handler, cert: string, key: string): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const server = createHttpsServer({ cert, key }, wrap(handler, requests)) as unknown as Server;
  return start(server, '127.0.0.1', 0, requests);
}

/** Maps test names to fixed addresses; unknown names fail like NXDOMAIN instead of asking real DNS. */
export function fakeResolver(table: Record<string, string[] | (() => string[])>): OutboundResolver & {
  calls: string[];
} {
  const calls: string[] = [];
  const resolver = async (hostname: string) => {
    calls.push(hostname);
    const entry = table[hostname.toLowerCase()];
    if (!entry) throw Object.assign(new Error(`no such host ${hostname}`), { code: 'ENOTFOUND' });
    const addresses = typeof entry === 'function' ? entry() : entry;
    return addresses.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }));
  };
  return Object.assign(resolver, { calls });
}
