import type { MikroORM } from '@mikro-orm/better-sqlite';
import { isRevokedBy, type Access, type AccessEvents } from './access.js';
import { resolveAccess } from './service.js';
import { hashToken } from './tokens.js';

/** Long enough to spare the database on every request, short enough that nothing stale lingers. */
const DEFAULT_TTL_MS = 30_000;
const DEFAULT_MAX_ENTRIES = 10_000;

interface Entry {
  access: Access;
  until: number;
}

/**
 * Resolves bearer tokens with a short cache in front of the database. Revocation, logout and a
 * replaced tablet token evict at once (through the same AccessEvents that end open streams), so a
 * cached credential never outlives its access; a session's expiry is checked on every hit.
 */
export class CachedAuthenticator {
  private readonly entries = new Map<string, Entry>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly orm: MikroORM,
    events: AccessEvents,
    private readonly options: { ttlMs?: number; maxEntries?: number } = {},
  ) {
    this.unsubscribe = events.subscribe((event) => {
      for (const [tokenHash, entry] of this.entries)
        if (isRevokedBy(entry.access, event)) this.entries.delete(tokenHash);
    });
  }

  async resolve(token: string, now = Date.now()): Promise<Access | null> {
    const tokenHash = hashToken(token);
    const hit = this.entries.get(tokenHash);
    if (hit && hit.until > now && (!hit.access.expiresAt || hit.access.expiresAt.getTime() > now))
      return hit.access;
    this.entries.delete(tokenHash);
    const access = await resolveAccess(this.orm.em.fork(), token);
    // Unknown tokens are not cached: a miss costs one indexed lookup and caching it buys nothing.
    if (access) this.remember(tokenHash, access, now);
    return access;
  }

  /** How many credentials are cached (for tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }

  stop(): void {
    this.unsubscribe();
    this.entries.clear();
  }

  private remember(tokenHash: string, access: Access, now: number): void {
    const ttl = this.options.ttlMs ?? DEFAULT_TTL_MS;
    if (this.entries.size >= (this.options.maxEntries ?? DEFAULT_MAX_ENTRIES)) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(tokenHash, { access, until: now + ttl });
  }
}
