import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { newId } from '../ids.js';

export const USER_ROLES = ['admin', 'caregiver', 'viewer'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const API_KEY_SCOPES = ['read', 'write', 'trigger', 'ingest', 'respond'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId()),
    email: p.string().unique(),
    name: p.string(),
    role: p.enum(['admin', 'caregiver', 'viewer']),
    passwordHash: p.string(),
    disabled: p.boolean().default(false),
    createdAt: p.datetime().onCreate(() => new Date()),
    // Added by a later migration, so it comes after created_at in the table.
    /** When the person last looked at what needs attention: failed runs after it count as new. */
    attentionSeenAt: p.datetime().nullable(),
  },
});
export type User = InferEntity<typeof User>;

/** A login session; only the SHA-256 of the bearer token is stored. */
export const AuthSession = defineEntity({
  name: 'AuthSession',
  tableName: 'auth_sessions',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId()),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    tokenHash: p.string().unique(),
    createdAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime(),
  },
});
export type AuthSession = InferEntity<typeof AuthSession>;

export const ApiKey = defineEntity({
  name: 'ApiKey',
  tableName: 'api_keys',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId()),
    name: p.string(),
    /** The first characters of the key, shown in lists so a key can be recognised without revealing it. */
    prefix: p.string(),
    tokenHash: p.string().unique(),
    scopes: p.json<ApiKeyScope[]>(),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  },
});
export type ApiKey = InferEntity<typeof ApiKey>;

/** A display device (a senior's tablet). Its token only opens its own device feed. */
export const Device = defineEntity({
  name: 'Device',
  tableName: 'devices',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId()),
    name: p.string(),
    room: p.string().nullable(),
    person: p.string().nullable(),
    tokenPrefix: p.string(),
    tokenHash: p.string().unique(),
    lastSeenAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    // Added by a later migration, so listed last (SQLite appends new columns).
    /** BCP 47 language tag the tablet speaks and formats dates in. */
    locale: p.string().default('en-GB'),
    /** Preferred speech synthesis voice (its name); the locale's default voice when null. */
    voiceName: p.string().nullable(),
    voiceRate: p.float().default(0.9),
    /** Revoked tablets cannot sign in any more; their open connection is closed at once. */
    revokedAt: p.datetime().nullable(),
  },
});
export type Device = InferEntity<typeof Device>;

/** A short single-use code a tablet exchanges for its device token; only its hash is stored. */
export const DevicePairing = defineEntity({
  name: 'DevicePairing',
  tableName: 'device_pairings',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId()),
    device: () => p.manyToOne(Device).deleteRule('cascade'),
    codeHash: p.string().unique(),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type DevicePairing = InferEntity<typeof DevicePairing>;
