import { hashToken } from './tokens.js';
import type { Actor } from './actor.js';

/**
 * "Access revoked": one event per ended credential. Published in process today; a multi-instance
 * deployment carries the same events over its bus (e.g. Redis) so every instance ends its streams.
 */
export type AccessRevoked =
  /** A session ended by logout (only its token). */
  | { kind: 'session'; tokenHash: string }
  /** An API key revoked. */
  | { kind: 'apiKey'; id: string }
  /** A person disabled or removed: every session of theirs. */
  | { kind: 'user'; id: string }
  /** A tablet removed or its token replaced. */
  | { kind: 'device'; id: string };

/** What an open stream was authorised with. */
export interface Access {
  actor: Actor;
  token: string;
  /** Sessions expire; keys and device tokens do not. */
  expiresAt: Date | null;
}

export function isRevokedBy(access: Access, event: AccessRevoked): boolean {
  switch (event.kind) {
    case 'session':
      return access.actor.kind === 'user' && hashToken(access.token) === event.tokenHash;
    case 'apiKey':
      return access.actor.kind === 'apiKey' && access.actor.id === event.id;
    case 'user':
      return access.actor.kind === 'user' && access.actor.id === event.id;
    case 'device':
      return access.actor.kind === 'device' && access.actor.id === event.id;
  }
}

type Listener = (event: AccessRevoked) => void;

export class AccessEvents {
  private readonly listeners = new Set<Listener>();
  private relay: ((event: AccessRevoked) => void) | undefined;

  /** Delivered here at once (this instance never waits on the network), then sent to the others. */
  publish(event: AccessRevoked): void {
    this.deliver(event);
    this.relay?.(event);
  }

  /** Connects the bus between instances: `send` carries local events out; call `deliver` with theirs. */
  relayTo(send: (event: AccessRevoked) => void): void {
    this.relay = send;
  }

  deliver(event: AccessRevoked): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

// setTimeout holds at most 2^31-1 ms (~24.8 days); longer expiries re-arm.
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface AccessWatch {
  /** Settles with the reason once access ends (revoked, logged out or expired). */
  readonly ended: Promise<string>;
  stop(): void;
}

/** Watches one credential: revocation events and, for sessions, the expiry time. */
export function watchAccess(events: AccessEvents, access: Access): AccessWatch {
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe = () => {};
  let finish: (reason: string) => void = () => {};
  const ended = new Promise<string>((resolve) => (finish = resolve));
  const stop = () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
  };
  const end = (reason: string) => {
    stop();
    finish(reason);
  };
  unsubscribe = events.subscribe((event) => {
    if (isRevokedBy(access, event)) end(event.kind === 'session' ? 'signed out' : `${event.kind} revoked`);
  });
  const arm = () => {
    if (!access.expiresAt) return;
    const left = access.expiresAt.getTime() - Date.now();
    if (left <= 0) return end('session expired');
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  return { ended, stop };
}
