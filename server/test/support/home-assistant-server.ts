// Test-only: a small Home Assistant look-alike on loopback: the REST service call and the WebSocket API
// (auth handshake, subscribe_events for state_changed), with states the test sets and connections it drops.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

interface State {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
  last_changed: string;
  last_updated: string;
}

export interface SeenServiceCall {
  domain: string;
  service: string;
  query: string;
  authorization: string | undefined;
  data: Record<string, unknown>;
}

export interface HomeAssistantTestServer {
  url: string;
  token: string;
  calls: SeenServiceCall[];
  /** auth messages received, with whether the token was right. */
  auths: boolean[];
  /** Sockets that completed subscribe_events, over the server's life. */
  subscriptions: number;
  /** Changes an entity's state and sends state_changed to every subscriber. */
  setState(entityId: string, state: string, attributes?: Record<string, unknown>): void;
  /** Cuts every WebSocket without a close frame, as a restart or a network drop would. */
  dropConnections(): void;
  /** Resolves once `count` subscriptions have been made in total. */
  subscribed(count: number): Promise<void>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** What the fake's services do to the entity they target. */
const SERVICES: Record<string, (current: string) => string> = {
  'light.turn_on': () => 'on',
  'light.turn_off': () => 'off',
  'light.toggle': (current) => (current === 'on' ? 'off' : 'on'),
  'lock.lock': () => 'locked',
  'lock.unlock': () => 'unlocked',
};

export async function startHomeAssistantTestServer(
  token = 'ha-long-lived-test-token',
): Promise<HomeAssistantTestServer> {
  const states = new Map<string, State>();
  const calls: SeenServiceCall[] = [];
  const auths: boolean[] = [];
  const subscribers = new Map<WebSocket, number>();
  let subscriptions = 0;
  const waiting: Array<{ count: number; resolve: () => void }> = [];

  const setState = (entityId: string, state: string, attributes: Record<string, unknown> = {}) => {
    const now = new Date().toISOString();
    const old = states.get(entityId) ?? null;
    const next: State = {
      entity_id: entityId,
      state,
      attributes: { ...old?.attributes, ...attributes },
      last_changed: old && old.state === state ? old.last_changed : now,
      last_updated: now,
    };
    states.set(entityId, next);
    for (const [socket, id] of subscribers) {
      socket.send(
        JSON.stringify({
          id,
          type: 'event',
          event: {
            event_type: 'state_changed',
            data: { entity_id: entityId, old_state: old, new_state: next },
            origin: 'LOCAL',
            time_fired: now,
          },
        }),
      );
    }
    return next;
  };

  const server = createServer((req, res) => {
    void readBody(req).then((text) => {
      const url = new URL(req.url ?? '/', 'http://ha.test');
      const match = /^\/api\/services\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (req.method !== 'POST' || !match) return json(res, 404, { message: 'Not found' });
      if (req.headers.authorization !== `Bearer ${token}`)
        return json(res, 401, { message: '401: Unauthorized' });
      const [, domain, service] = match as unknown as [string, string, string];
      const data = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      calls.push({ domain, service, query: url.search, authorization: req.headers.authorization, data });
      const action = SERVICES[`${domain}.${service}`];
      if (!action) return json(res, 400, { message: `Service ${domain}.${service} not found.` });
      const entityId = typeof data.entity_id === 'string' ? data.entity_id : undefined;
      const { entity_id: _entity, ...attributes } = data;
      const changed = entityId
        ? [setState(entityId, action(states.get(entityId)?.state ?? 'off'), attributes)]
        : [];
      if (url.searchParams.has('return_response')) {
        return json(res, 200, { changed_states: changed, service_response: { done: true } });
      }
      json(res, 200, changed);
    });
  });

  const wss = new WebSocketServer({ server, path: '/api/websocket' });
  wss.on('connection', (socket) => {
    socket.send(JSON.stringify({ type: 'auth_required', ha_version: '2026.11.0' }));
    let authed = false;
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as {
        type: string;
        id?: number;
        access_token?: string;
        event_type?: string;
      };
      if (message.type === 'auth') {
        const ok = message.access_token === token;
        auths.push(ok);
        if (ok) {
          authed = true;
          socket.send(JSON.stringify({ type: 'auth_ok', ha_version: '2026.11.0' }));
        } else {
          socket.send(JSON.stringify({ type: 'auth_invalid', message: 'Invalid access token or password' }));
          socket.close();
        }
        return;
      }
      if (!authed) return socket.close();
      if (message.type === 'subscribe_events' && message.event_type === 'state_changed') {
        subscribers.set(socket, message.id!);
        subscriptions++;
        socket.send(JSON.stringify({ id: message.id, type: 'result', success: true, result: null }));
        for (const entry of waiting.filter((w) => subscriptions >= w.count)) {
          waiting.splice(waiting.indexOf(entry), 1);
          entry.resolve();
        }
      }
    });
    socket.on('close', () => subscribers.delete(socket));
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    calls,
    auths,
    get subscriptions() {
      return subscriptions;
    },
    setState: (entityId, state, attributes) => void setState(entityId, state, attributes),
    dropConnections: () => {
      for (const socket of wss.clients) socket.terminate();
    },
    subscribed: (count) =>
      subscriptions >= count ? Promise.resolve() : new Promise((resolve) => waiting.push({ count, resolve })),
    close: async () => {
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
