import type { MikroORM } from '@mikro-orm/better-sqlite';
import { permissionsOf } from '../auth/actor.js';
import type { Access } from '../auth/access.js';
import type { AppServices, GraphQLContext } from '../graphql/context.js';

/** Bearer token from an HTTP header, an `X-API-Key` header, or WebSocket connectionParams. */
export function bearerFrom(source: {
  headers?: Headers;
  connectionParams?: Record<string, unknown>;
}): string | null {
  const fromHeader = source.headers?.get('authorization') ?? undefined;
  const fromParams = source.connectionParams?.authorization ?? source.connectionParams?.Authorization;
  const raw = fromHeader ?? (typeof fromParams === 'string' ? fromParams : undefined);
  if (raw) {
    const match = /^Bearer\s+(\S+)$/i.exec(raw.trim());
    return match?.[1] ?? null;
  }
  return source.headers?.get('x-api-key') ?? null;
}

/**
 * An EntityManager that forks on first use. Most operations a client repeats (triggerFlow, the engine
 * and flow reads behind prepared statements) never touch the ORM, and a fork is an identity map, a
 * unit of work and their garbage per request. Methods are bound to the real fork, so `this` inside
 * MikroORM is always the fork itself; `instanceof` still holds.
 */
export function lazyFork<T extends object>(fork: () => T, prototype: object): T {
  let real: T | undefined;
  const target = () => (real ??= fork());
  return new Proxy({} as T, {
    get(_shell, key) {
      const em = target();
      const value = Reflect.get(em, key, em) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(em) : value;
    },
    set: (_shell, key, value) => Reflect.set(target(), key, value),
    has: (_shell, key) => Reflect.has(target(), key),
    getPrototypeOf: () => prototype,
  });
}

/** One EntityManager fork per operation (made on first use), with the caller resolved from its token. */
export async function createContext(
  orm: MikroORM,
  services: AppServices,
  source: {
    headers?: Headers;
    connectionParams?: Record<string, unknown>;
    /** Already resolved by the HTTP layer (REST checks credentials before reading a body). */
    access?: Access | null;
    clientAddress?: string | null;
  },
): Promise<GraphQLContext> {
  const em = lazyFork(() => orm.em.fork(), Object.getPrototypeOf(orm.em) as object);
  const token = bearerFrom(source);
  const access =
    source.access !== undefined && source.access?.token === token
      ? source.access
      : token
        ? await services.authenticator.resolve(token)
        : null;
  const actor = access?.actor ?? null;
  return {
    em,
    actor,
    permissions: permissionsOf(actor),
    token,
    tokenExpiresAt: access?.expiresAt ?? null,
    clientAddress: source.clientAddress ?? null,
    ownResults: new WeakSet(),
    services,
  };
}
