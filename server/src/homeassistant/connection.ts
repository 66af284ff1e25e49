import type { LookupAddress } from 'node:dns';
import WebSocket from 'ws';
import {
  vetOutboundUrl,
  type OutboundPolicy,
  type OutboundResolver,
  type VettedTarget,
} from '../net/index.js';
import { websocketUrl, type HomeAssistantSettings } from './settings.js';

/** A state as HA sends it in `state_changed` events. */
export interface HaState {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
  last_changed?: string;
  last_updated?: string;
}

export interface StateChange {
  entityId: string;
  oldState: HaState | null;
  newState: HaState | null;
  timeFired: string;
}

export type ConnectionStatus =
  'idle' | 'connecting' | 'authenticating' | 'subscribed' | 'waiting' | 'auth_failed' | 'closed';

export interface HomeAssistantConnectionOptions {
  settings: HomeAssistantSettings;
  policy: OutboundPolicy;
  /** First reconnect delay; doubles per failure up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** How often a ping checks that the socket is alive; a missed pong drops it (and reconnects). */
  heartbeatMs?: number;
  /** Test seam for name resolution. */
  resolve?: OutboundResolver;
  onStatus?: (status: ConnectionStatus, detail?: string) => void;
}

type Listener = (change: StateChange) => void;

/** Answers the socket's name lookup from the vetted addresses only, like the pinned HTTP agent. */
function pinnedLookup(target: VettedTarget) {
  return (
    hostname: string,
    options: { all?: boolean; family?: number | string },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    if (hostname.toLowerCase() !== target.hostname.toLowerCase()) {
      callback(new Error(`pinned lookup asked for an unexpected host (${hostname})`), '');
      return;
    }
    const [first] = target.addresses;
    if (options.all)
      callback(
        null,
        target.addresses.map((a) => ({ address: a.address, family: a.family })),
      );
    else callback(null, first!.address, first!.family);
  };
}

/**
 * The one WebSocket to Home Assistant that every `ha_state` trigger shares: opened when the first
 * listener arrives and closed with the last. Authenticates (auth_required → auth → auth_ok), subscribes
 * to `state_changed`, and on any drop reconnects with exponential backoff and subscribes again.
 * A refused token is not tried again (HA bans addresses that keep failing); it needs a restart.
 */
export class HomeAssistantConnection {
  private readonly listeners = new Set<Listener>();
  private socket?: WebSocket;
  private timer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private failures = 0;
  private nextId = 1;
  /** Bumped on every open and shutdown, so a lookup that finishes late cannot open a second socket. */
  private generation = 0;
  private current: ConnectionStatus = 'idle';
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly options: HomeAssistantConnectionOptions) {
    this.initialDelayMs = options.initialDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
  }

  get status(): ConnectionStatus {
    return this.current;
  }

  /** Receives every state change while subscribed; returns the unsubscribe function. */
  onStateChanged(listener: Listener): () => void {
    this.listeners.add(listener);
    if (this.current === 'idle' || this.current === 'closed') this.open();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.shutdown('idle');
    };
  }

  /** Stops for good (server shutdown). */
  close(): void {
    this.listeners.clear();
    this.shutdown('closed');
  }

  private setStatus(status: ConnectionStatus, detail?: string): void {
    this.current = status;
    this.options.onStatus?.(status, detail);
  }

  private shutdown(status: ConnectionStatus): void {
    this.generation++;
    clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    const socket = this.socket;
    this.socket = undefined;
    socket?.removeAllListeners();
    socket?.on('error', () => undefined);
    socket?.terminate();
    this.setStatus(status);
  }

  private open(): void {
    this.setStatus('connecting');
    const generation = ++this.generation;
    const url = websocketUrl(this.options.settings);
    // The policy judges the http(s) form of the URL: same host, port and rules as every other request.
    vetOutboundUrl(url.replace(/^ws/, 'http'), { policy: this.options.policy, resolve: this.options.resolve })
      .then((target) => {
        if (generation === this.generation) this.connect(url, target);
      })
      .catch((error: unknown) => {
        if (generation === this.generation) this.retry(`cannot connect: ${(error as Error).message}`);
      });
  }

  private connect(url: string, target: VettedTarget): void {
    const socket = new WebSocket(url, {
      lookup: pinnedLookup(target) as never,
      handshakeTimeout: 10_000,
      maxPayload: 16 * 1024 * 1024,
      followRedirects: false,
    });
    this.socket = socket;
    let alive = true;
    socket.on('pong', () => (alive = true));
    socket.on('open', () => {
      this.heartbeat = setInterval(() => {
        if (!alive) return socket.terminate();
        alive = false;
        socket.ping();
      }, this.options.heartbeatMs ?? 30_000);
      this.heartbeat.unref();
    });
    socket.on('message', (raw) => this.receive(socket, String(raw)));
    socket.on('error', () => undefined); // 'close' follows and decides what happens next
    socket.on('close', (code, reason) => {
      if (this.socket !== socket) return;
      clearInterval(this.heartbeat);
      this.socket = undefined;
      // The token comes from the environment and will not change before a restart; trying it again
      // would only bring HA's ban on addresses that keep failing closer.
      if (this.current === 'auth_failed') {
        return this.setStatus(
          'auth_failed',
          'the token was refused; set a valid KINFLOW_HOME_ASSISTANT_TOKEN and restart',
        );
      }
      this.retry(`connection closed (${code}${reason.length ? ` ${String(reason)}` : ''})`);
    });
  }

  private receive(socket: WebSocket, text: string): void {
    let message: { type?: string; id?: number; success?: boolean; message?: string; event?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    switch (message.type) {
      case 'auth_required':
        this.setStatus('authenticating');
        socket.send(JSON.stringify({ type: 'auth', access_token: this.options.settings.token }));
        return;
      case 'auth_ok':
        socket.send(
          JSON.stringify({ id: this.nextId++, type: 'subscribe_events', event_type: 'state_changed' }),
        );
        return;
      case 'auth_invalid':
        this.setStatus('auth_failed', message.message);
        socket.close();
        return;
      case 'result':
        if (message.success) {
          this.failures = 0;
          this.setStatus('subscribed');
        } else socket.close(4000, 'subscribe_events failed');
        return;
      case 'event':
        this.dispatch(message.event);
        return;
    }
  }

  private dispatch(event: unknown): void {
    const {
      event_type: type,
      data,
      time_fired: timeFired,
    } = (event ?? {}) as {
      event_type?: string;
      data?: { entity_id?: unknown; old_state?: HaState | null; new_state?: HaState | null };
      time_fired?: string;
    };
    if (type !== 'state_changed' || typeof data?.entity_id !== 'string') return;
    const change: StateChange = {
      entityId: data.entity_id,
      oldState: data.old_state ?? null,
      newState: data.new_state ?? null,
      timeFired: timeFired ?? new Date().toISOString(),
    };
    for (const listener of this.listeners) listener(change);
  }

  private retry(detail: string): void {
    if (this.listeners.size === 0 || this.current === 'closed') return;
    this.failures++;
    const delay = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** (this.failures - 1));
    this.setStatus('waiting', `${detail}; retrying in ${delay} ms`);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open(), delay);
    this.timer.unref();
  }
}
