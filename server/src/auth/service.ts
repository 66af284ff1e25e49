import type { EntityManager } from '@mikro-orm/better-sqlite';
import { ApiKey, AuthSession, Device, User, type ApiKeyScope, type UserRole } from '../db/entities/index.js';
import type { Access } from './access.js';
import type { Actor } from './actor.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { displayPrefix, generateToken, hashToken, tokenKind } from './tokens.js';

const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
// Verifying against a real hash when the email is unknown keeps login timing from revealing accounts.
let dummyHash: Promise<string> | undefined;

export interface LoginResult {
  token: string;
  expiresAt: Date;
  user: User;
}

export async function login(em: EntityManager, email: string, password: string): Promise<LoginResult | null> {
  const user = await em.findOne(User, { email: email.trim().toLowerCase() });
  dummyHash ??= hashPassword('not a real password');
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash));
  if (!user || !ok || user.disabled) return null;
  const token = generateToken('session');
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  em.create(AuthSession, { user, tokenHash: hashToken(token), expiresAt });
  await em.flush();
  return { token, expiresAt, user };
}

export async function logout(em: EntityManager, token: string): Promise<void> {
  await em.nativeDelete(AuthSession, { tokenHash: hashToken(token) });
}

/** Resolves a bearer token of any kind to the actor it stands for, or null. */
export async function resolveToken(em: EntityManager, token: string): Promise<Actor | null> {
  return (await resolveAccess(em, token))?.actor ?? null;
}

/** Like resolveToken, with what an open stream needs to end when access ends (the session expiry). */
export async function resolveAccess(em: EntityManager, token: string): Promise<Access | null> {
  const kind = tokenKind(token);
  const tokenHash = hashToken(token);
  if (kind === 'session') {
    const session = await em.findOne(AuthSession, { tokenHash }, { populate: ['user'] });
    if (!session || session.expiresAt.getTime() < Date.now() || session.user.disabled) return null;
    const { id, email, name, role } = session.user;
    return { actor: { kind: 'user', id, email, name, role }, token, expiresAt: session.expiresAt };
  }
  if (kind === 'apiKey') {
    const key = await em.findOne(ApiKey, { tokenHash, revokedAt: null });
    if (!key) return null;
    return {
      actor: { kind: 'apiKey', id: key.id, name: key.name, scopes: key.scopes },
      token,
      expiresAt: null,
    };
  }
  if (kind === 'device') {
    const device = await em.findOne(Device, { tokenHash, revokedAt: null });
    if (!device) return null;
    await touchDevice(em, device);
    return { actor: { kind: 'device', id: device.id, name: device.name }, token, expiresAt: null };
  }
  return null;
}

/** A tablet polls and reconnects often; one write a minute is enough to say "seen just now". */
const DEVICE_SEEN_RESOLUTION_MS = 60_000;

/** Any request made with a device token counts as the tablet calling in. */
async function touchDevice(em: EntityManager, device: Device): Promise<void> {
  const now = new Date();
  if (device.lastSeenAt && now.getTime() - device.lastSeenAt.getTime() < DEVICE_SEEN_RESOLUTION_MS) return;
  // A native update: this runs while resolving the caller, outside the operation's unit of work.
  await em.nativeUpdate(Device, { id: device.id }, { lastSeenAt: now });
  device.lastSeenAt = now;
}

export async function createUser(
  em: EntityManager,
  input: { email: string; name: string; role: UserRole; password: string },
): Promise<User> {
  const user = em.create(User, {
    email: input.email.trim().toLowerCase(),
    name: input.name,
    role: input.role,
    passwordHash: await hashPassword(input.password),
  });
  await em.flush();
  return user;
}

export async function createApiKey(
  em: EntityManager,
  input: { name: string; scopes: ApiKeyScope[]; createdBy?: string | null; token?: string },
): Promise<{ apiKey: ApiKey; token: string }> {
  const token = input.token ?? generateToken('apiKey');
  const apiKey = em.create(ApiKey, {
    name: input.name,
    prefix: displayPrefix(token),
    tokenHash: hashToken(token),
    scopes: [...new Set(input.scopes)],
    createdBy: input.createdBy ? em.getReference(User, input.createdBy) : null,
  });
  await em.flush();
  return { apiKey, token };
}

export async function createDevice(
  em: EntityManager,
  input: { name: string; room?: string | null; person?: string | null },
): Promise<{ device: Device; token: string }> {
  const token = generateToken('device');
  const device = em.create(Device, {
    name: input.name,
    room: input.room ?? null,
    person: input.person ?? null,
    tokenPrefix: displayPrefix(token),
    tokenHash: hashToken(token),
  });
  await em.flush();
  return { device, token };
}
