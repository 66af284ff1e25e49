import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { newId } from '../ids.js';
import { Device } from './identity.js';

export const NODE_STATUSES = ['unknown', 'online', 'offline'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

/** A gateway node, sensor or device in the home (HALO's "nodes"). */
export const GatewayNode = defineEntity({
  name: 'GatewayNode',
  tableName: 'nodes',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId()),
    name: p.string().unique(),
    kind: p.string(),
    tags: p.json<string[]>(),
    status: p.enum(['unknown', 'online', 'offline']).default('unknown'),
    lastSeenAt: p.datetime().nullable(),
    metadata: p.json<Record<string, unknown>>(),
    sshHost: p.string().nullable(),
    sshPort: p.integer().nullable(),
    sshUser: p.string().nullable(),
    /** Password or private key, encrypted with the configured key; never returned by the API. */
    sshSecretEncrypted: p.text().nullable(),
    sshHostKeyFingerprint: p.string().nullable(),
    sshTrustOnFirstUse: p.boolean().default(false),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type GatewayNode = InferEntity<typeof GatewayNode>;

/** What `sshSecretEncrypted` holds once opened: exactly one of a password or a private key (PEM/OpenSSH). */
export type SshSecret = { password: string } | { privateKey: string; passphrase?: string };

/** Seals an SSH secret for `sshSecretEncrypted` (JSON inside the SecretBox envelope). */
export function sealSshSecret(box: { seal(plaintext: string): string }, secret: SshSecret): string {
  return box.seal(JSON.stringify(secret));
}

/** Opens `sshSecretEncrypted` for the `command` step; throws when the key changed or the value is foreign. */
export function openSshSecret(box: { open(sealed: string): string }, sealed: string): SshSecret {
  const value = JSON.parse(box.open(sealed)) as Partial<
    Record<'password' | 'privateKey' | 'passphrase', unknown>
  >;
  if (typeof value.password === 'string') return { password: value.password };
  if (typeof value.privateKey === 'string') {
    return typeof value.passphrase === 'string'
      ? { privateKey: value.privateKey, passphrase: value.passphrase }
      : { privateKey: value.privateKey };
  }
  throw new Error('the stored SSH secret has neither a password nor a private key');
}

/** The latest value per node and metric. */
export const TelemetryLatest = defineEntity({
  name: 'TelemetryLatest',
  tableName: 'telemetry_latest',
  uniques: [{ properties: ['node', 'metric'] }],
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId()),
    node: () => p.manyToOne(GatewayNode).deleteRule('cascade'),
    metric: p.string(),
    value: p.float(),
    recordedAt: p.datetime(),
  },
});
export type TelemetryLatest = InferEntity<typeof TelemetryLatest>;

/** Bounded recent history per node and metric, for metric previews. */
export const TelemetrySample = defineEntity({
  name: 'TelemetrySample',
  tableName: 'telemetry_samples',
  indexes: [{ properties: ['node', 'metric', 'recordedAt'] }],
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId()),
    // No index of its own: (node, metric, recordedAt) already serves lookups by node, and a second
    // index on this hot insert path halved write throughput.
    node: () => p.manyToOne(GatewayNode).deleteRule('cascade').index(false),
    metric: p.string(),
    value: p.float(),
    recordedAt: p.datetime(),
  },
});
export type TelemetrySample = InferEntity<typeof TelemetrySample>;

export const PROMPT_STATUSES = ['open', 'answered', 'timeout', 'cancelled'] as const;
export type PromptStatus = (typeof PROMPT_STATUSES)[number];

/** An interactive prompt shown on a tablet, and its answer. */
export const Prompt = defineEntity({
  name: 'Prompt',
  tableName: 'prompts',
  indexes: [{ properties: ['device', 'status'] }],
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId()),
    /** Target: this tablet, else every tablet in `room`, else every tablet. */
    device: () => p.manyToOne(Device).nullable().deleteRule('set null'),
    executionId: p.string().nullable(),
    stepKey: p.string().nullable(),
    message: p.text(),
    voiceMessage: p.text().nullable(),
    escalateText: p.string(),
    dismissText: p.string(),
    countdownSeconds: p.integer(),
    timeoutAction: p.enum(['escalate', 'dismiss']),
    status: p.enum(['open', 'answered', 'timeout', 'cancelled']).default('open'),
    answer: p.string().nullable(),
    /** tablet, caregiver (on the senior's behalf) or api. */
    answeredVia: p.string().nullable(),
    answeredAt: p.datetime().nullable(),
    expiresAt: p.datetime(),
    createdAt: p.datetime().onCreate(() => new Date()),
    // Added by a later migration, so listed last (SQLite appends new columns).
    room: p.string().nullable(),
    /** The client-made id of the winning answer: the same answer sent again gets the same result. */
    answerId: p.string().nullable(),
    /** Device or user id of who answered, and their name. */
    answeredById: p.string().nullable(),
    answeredByName: p.string().nullable(),
  },
});
export type Prompt = InferEntity<typeof Prompt>;

/** Curated content delivered to a senior's tablet. */
export const InfoCard = defineEntity({
  name: 'InfoCard',
  tableName: 'info_cards',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId()),
    title: p.string(),
    body: p.text(),
    /** File name of the uploaded image under <data dir>/cards. */
    imageUrl: p.string().nullable(),
    approved: p.boolean().default(false),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    imageAlt: p.string().nullable(),
  },
});
export type InfoCard = InferEntity<typeof InfoCard>;

/** Something a flow sent to tablets besides a prompt: an announcement, a popup or an info card. */
export const TabletDelivery = defineEntity({
  name: 'TabletDelivery',
  tableName: 'tablet_deliveries',
  indexes: [{ properties: ['expiresAt'] }],
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId()),
    kind: p.enum(['announcement', 'popup', 'card']),
    device: () => p.manyToOne(Device).nullable().deleteRule('set null'),
    room: p.string().nullable(),
    executionId: p.string().nullable(),
    stepKey: p.string().nullable(),
    /** What the tablet shows or says (text, rate, card id, dismiss seconds). */
    payload: p.json<Record<string, unknown>>(),
    /** Per device: { status: spoken | failed | shown, reason?, at }. */
    reports: p.json<Record<string, unknown>>(),
    expiresAt: p.datetime(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type TabletDelivery = InferEntity<typeof TabletDelivery>;
