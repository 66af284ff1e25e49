import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiKey, Device } from '../db/entities/index.js';
import { openDatabase, type Orm } from '../db/orm.js';
import { AccessEvents } from './access.js';
import { CachedAuthenticator } from './access-cache.js';
import { createApiKey, createDevice, createUser, login } from './service.js';
import { hashToken } from './tokens.js';

let orm: Orm | undefined;
afterEach(async () => {
  await orm?.close(true);
  orm = undefined;
});

async function setup(options?: { ttlMs?: number; maxEntries?: number }) {
  orm = await openDatabase(':memory:');
  const events = new AccessEvents();
  const authenticator = new CachedAuthenticator(orm, events, options);
  const em = orm.em.fork();
  const { token: keyToken, apiKey } = await createApiKey(em, { name: 'reader', scopes: ['read'] });
  return { orm, em, events, authenticator, keyToken, apiKey };
}

/** Marks a key revoked in the database only, the way another writer would, without telling anyone. */
const revokeSilently = (orm: Orm, id: string) =>
  orm.em.fork().nativeUpdate(ApiKey, { id }, { revokedAt: new Date() });

describe('CachedAuthenticator', () => {
  it('answers a repeated token from memory until its time to live ends', async () => {
    const { orm, authenticator, keyToken, apiKey } = await setup({ ttlMs: 1_000 });
    const now = Date.now();
    expect((await authenticator.resolve(keyToken, now))?.actor).toMatchObject({
      kind: 'apiKey',
      id: apiKey.id,
    });
    await revokeSilently(orm, apiKey.id);
    // Cached: the database was not asked again.
    expect((await authenticator.resolve(keyToken, now + 500))?.actor.id).toBe(apiKey.id);
    // After the time to live, the database is the truth again.
    expect(await authenticator.resolve(keyToken, now + 1_500)).toBeNull();
  });

  it('forgets a revoked key at once, before its time to live ends', async () => {
    const { orm, events, authenticator, keyToken, apiKey } = await setup({ ttlMs: 60_000 });
    expect(await authenticator.resolve(keyToken)).not.toBeNull();
    await revokeSilently(orm, apiKey.id);
    events.publish({ kind: 'apiKey', id: apiKey.id });
    expect(await authenticator.resolve(keyToken)).toBeNull();
  });

  it('forgets a session at logout and refuses it once it has expired', async () => {
    const { em, events, authenticator } = await setup({ ttlMs: 60_000 });
    await createUser(em, {
      email: 'ana@example.test',
      name: 'Ana',
      role: 'caregiver',
      password: 'long enough pw',
    });
    const session = await login(em, 'ana@example.test', 'long enough pw');
    const token = session!.token;
    const access = await authenticator.resolve(token);
    expect(access?.actor).toMatchObject({ kind: 'user', email: 'ana@example.test' });
    // Past its expiry a cached session is not served, even within the time to live.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(access!.expiresAt!.getTime() + 1);
      expect(await authenticator.resolve(token)).toBeNull();
    } finally {
      vi.useRealTimers();
    }
    expect(await authenticator.resolve(token)).not.toBeNull();
    expect(authenticator.size).toBe(1);
    events.publish({ kind: 'session', tokenHash: hashToken(token) });
    expect(authenticator.size).toBe(0);
  });

  it('forgets a tablet whose token was revoked or replaced', async () => {
    const { orm, em, events, authenticator } = await setup({ ttlMs: 60_000 });
    const { device, token } = await createDevice(em, { name: 'Kitchen tablet' });
    expect((await authenticator.resolve(token))?.actor).toMatchObject({ kind: 'device', id: device.id });
    await orm.em.fork().nativeUpdate(Device, { id: device.id }, { revokedAt: new Date() });
    events.publish({ kind: 'device', id: device.id });
    expect(await authenticator.resolve(token)).toBeNull();
  });

  it('stays bounded, dropping the oldest entry first', async () => {
    const { em, authenticator, keyToken } = await setup({ maxEntries: 2 });
    const second = await createApiKey(em, { name: 'second', scopes: ['read'] });
    const third = await createApiKey(em, { name: 'third', scopes: ['read'] });
    for (const token of [keyToken, second.token, third.token]) await authenticator.resolve(token);
    expect(authenticator.size).toBe(2);
  });

  it('does not remember unknown tokens', async () => {
    const { authenticator } = await setup();
    expect(await authenticator.resolve('kfk_not_a_real_key_0000000000000000000000')).toBeNull();
    expect(authenticator.size).toBe(0);
  });
});
