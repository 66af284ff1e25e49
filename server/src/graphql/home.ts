import { encodeGlobalID, resolveOffsetConnection } from '@pothos/plugin-relay';
import { z } from 'zod';
import { GatewayNode, NODE_STATUSES } from '../db/entities/index.js';
import { NameTakenError, NotFoundError } from '../flows/errors.js';
import { NodeService } from '../home/node-service.js';
import { builder } from './builder.js';
import { InputValidationError } from './input-validation.js';

export const NodeStatusEnum = builder.enumType('NodeStatus', {
  description: 'Whether a node is reachable.',
  values: Object.fromEntries(
    NODE_STATUSES.map((value) => [
      value.toUpperCase(),
      {
        value,
        description: {
          unknown: 'Not heard from yet.',
          online: 'Seen recently.',
          offline: 'Heartbeat missing.',
        }[value],
      },
    ]),
  ),
});

const SshTargetRef = builder.simpleObject('SshTarget', {
  description: 'Where the `command` action connects; the secret is stored encrypted and never returned.',
  fields: (t) => ({
    host: t.string({ description: 'Host name or address.' }),
    port: t.int({ description: 'SSH port.' }),
    user: t.string({ description: 'Login user.' }),
    hostKeyFingerprint: t.string({
      nullable: true,
      description: 'Expected host key fingerprint (SHA256:…).',
    }),
    trustOnFirstUse: t.boolean({ description: 'Accept and store an unknown host key on first connection.' }),
    hasSecret: t.boolean({
      description: 'Whether a password or private key is stored (it is write-only and never returned).',
    }),
  }),
});

export const GatewayNodeRef = builder.node(builder.objectRef<GatewayNode>('GatewayNode'), {
  description: 'A gateway node, sensor or device in the home.',
  id: { resolve: (node) => node.id },
  authScopes: { read: true },
  loadMany: (ids, context) => context.em.find(GatewayNode, { id: { $in: ids as string[] } }),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique name, e.g. `kitchen-climate`.' }),
    kind: t.exposeString('kind', { description: 'What it is, e.g. `sensor`, `gateway`.' }),
    tags: t.exposeStringList('tags', { description: 'Free tags used by selectors, e.g. rooms.' }),
    status: t.expose('status', { type: NodeStatusEnum, description: 'Reachability.' }),
    lastSeenAt: t.expose('lastSeenAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Last heartbeat or reading.',
    }),
    metadata: t.field({
      type: 'JSONObject',
      description: 'Free-form details.',
      resolve: (node) => node.metadata,
    }),
    ssh: t.field({
      type: SshTargetRef,
      nullable: true,
      description: 'SSH target for the `command` action, when configured.',
      resolve: (node) =>
        node.sshHost
          ? {
              host: node.sshHost,
              port: node.sshPort ?? 22,
              user: node.sshUser ?? 'root',
              hostKeyFingerprint: node.sshHostKeyFingerprint,
              trustOnFirstUse: node.sshTrustOnFirstUse,
              hasSecret: node.sshSecretEncrypted !== null && node.sshSecretEncrypted !== undefined,
            }
          : null,
    }),
  }),
});

builder.queryFields((t) => ({
  gatewayNodes: t.connection(
    {
      type: GatewayNodeRef,
      description: 'Nodes of the home, by name.',
      authScopes: { read: true },
      args: {
        ids: t.arg.globalIDList({ description: 'Only these nodes (global IDs).' }),
        status: t.arg({ type: NodeStatusEnum, description: 'Only nodes with this status.' }),
        tag: t.arg.string({ description: 'Only nodes carrying this tag.' }),
        tags: t.arg.stringList({ description: 'Only nodes carrying every one of these tags.' }),
        kind: t.arg.string({ description: 'Only nodes of this kind.' }),
        search: t.arg.string({ description: 'Only nodes whose name contains this text.' }),
      },
      resolve: async (_root, args, { em }) => {
        const where = {
          ...(args.ids && { id: { $in: args.ids.map((id) => id.id) } }),
          ...(args.status && { status: args.status }),
          ...(args.kind && { kind: args.kind }),
        };
        // Tags live in a JSON column; tags and search are filtered here, after the indexed conditions.
        const all = await em.find(GatewayNode, where, { orderBy: { name: 'asc', id: 'asc' } });
        const wanted = [...(args.tags ?? []), ...(args.tag ? [args.tag] : [])];
        const search = args.search?.toLowerCase();
        const matching = all.filter(
          (node) =>
            wanted.every((tag) => node.tags.includes(tag)) &&
            (!search || node.name.toLowerCase().includes(search)),
        );
        const connection = await resolveOffsetConnection({ args }, ({ limit, offset }) =>
          matching.slice(offset, offset + limit),
        );
        return { ...connection, totalCount: matching.length };
      },
    },
    {
      description: 'A page of nodes.',
      fields: (c) => ({
        totalCount: c.int({
          description: 'Nodes matching the filter, over all pages.',
          resolve: (connection) => (connection as { totalCount: number }).totalCount,
        }),
      }),
    },
    { description: 'A node in a page of nodes.' },
  ),
}));

const NODE_NAME = z
  .string()
  .trim()
  .min(1)
  .max(120)
  // The name is a level of MQTT topics (kinflow/<node>/<metric>), where / + # have meanings.
  .refine(
    (name) => !/[/+#]/.test(name) && ![...name].some((c) => c.charCodeAt(0) < 32),
    'must not contain /, +, # or control characters',
  );
const TAGS = z.array(z.string().trim().min(1).max(60)).max(50);
const METADATA = z
  .record(z.string(), z.unknown())
  .refine((value) => JSON.stringify(value).length <= 16_384, 'must be at most 16 KiB as JSON');

const SshTargetInputRef = builder.inputType('SshTargetInput', {
  description:
    'Where the `command` action connects. Give a password or a private key (write-only: stored encrypted, never returned).',
  fields: (t) => ({
    host: t.string({
      required: true,
      description: 'Host name or address.',
      validate: z
        .string()
        .trim()
        .min(1)
        .max(253)
        .regex(/^[A-Za-z0-9.:_[\]-]+$/, 'must be a host name or an IP address'),
    }),
    port: t.int({ description: 'SSH port; 22 by default.', validate: z.number().int().min(1).max(65535) }),
    user: t.string({
      required: true,
      description: 'Login user.',
      validate: z
        .string()
        .trim()
        .min(1)
        .max(64)
        .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ., _ and - only'),
    }),
    password: t.string({
      description: 'Password (write-only). When updating, leave out both secrets to keep the stored one.',
      validate: z.string().min(1).max(1024),
    }),
    privateKey: t.string({
      description: 'Private key in PEM or OpenSSH format (write-only).',
      validate: z
        .string()
        .max(16_384)
        .regex(/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/, 'must be a PEM or OpenSSH private key'),
    }),
    passphrase: t.string({
      description: 'Passphrase of an encrypted private key (write-only).',
      validate: z.string().min(1).max(1024),
    }),
    hostKeyFingerprint: t.string({
      description: 'Expected host key fingerprint, e.g. `SHA256:…` (as `ssh-keygen -lf` prints it).',
    }),
    trustOnFirstUse: t.boolean({
      description: 'Accept and store an unknown host key on first connection; false by default.',
    }),
  }),
});

const CreateNodeInput = builder.inputType('CreateNodeInput', {
  description: 'A new gateway node, sensor or device.',
  fields: (t) => ({
    name: t.string({
      required: true,
      description: 'Unique name; used in MQTT topics, so no `/`, `+` or `#`.',
      validate: NODE_NAME,
    }),
    kind: t.string({
      description: 'What it is, e.g. `sensor`, `gateway`; `sensor` by default.',
      validate: z.string().trim().min(1).max(60),
    }),
    tags: t.stringList({ description: 'Free tags used by selectors, e.g. rooms.', validate: TAGS }),
    metadata: t.field({ type: 'JSONObject', description: 'Free-form details.', validate: METADATA }),
    ssh: t.field({ type: SshTargetInputRef, description: 'SSH target for the `command` action.' }),
  }),
});

const UpdateNodeInput = builder.inputType('UpdateNodeInput', {
  description: 'Changes to a node; fields left out stay as they are.',
  fields: (t) => ({
    name: t.string({ description: 'Unique name.', validate: NODE_NAME }),
    kind: t.string({ description: 'What it is.', validate: z.string().trim().min(1).max(60) }),
    tags: t.stringList({ description: 'Replaces the tags.', validate: TAGS }),
    metadata: t.field({ type: 'JSONObject', description: 'Replaces the details.', validate: METADATA }),
    ssh: t.field({
      type: SshTargetInputRef,
      description:
        'Replaces the SSH target (keeping the stored secret unless a new one is given); null removes it.',
    }),
  }),
});

const NODE_WRITE_ERRORS = [InputValidationError, NotFoundError, NameTakenError];
const nodes = (secrets: ConstructorParameters<typeof NodeService>[0]) => new NodeService(secrets);

builder.queryFields((t) => ({
  gatewayNode: t.field({
    type: GatewayNodeRef,
    nullable: true,
    description: 'One node by global ID or by name; null when there is none.',
    authScopes: { read: true },
    args: {
      id: t.arg.globalID({ description: 'Global ID of the node.' }),
      name: t.arg.string({ description: 'Name of the node.' }),
    },
    resolve: (_root, { id, name }, { em }) => {
      if (id) return em.findOne(GatewayNode, { id: id.id });
      return name ? em.findOne(GatewayNode, { name }) : null;
    },
  }),
}));

builder.mutationFields((t) => ({
  createNode: t.field({
    type: GatewayNodeRef,
    description: 'Adds a node. Its SSH secret, if given, is stored encrypted and never returned.',
    authScopes: { write: true },
    errors: { types: NODE_WRITE_ERRORS },
    args: { input: t.arg({ type: CreateNodeInput, required: true, description: 'The new node.' }) },
    resolve: (_root, { input }, { em, services }) => nodes(services.secrets).create(em, input),
  }),
  updateNode: t.field({
    type: GatewayNodeRef,
    description: 'Changes a node; fields left out stay as they are.',
    authScopes: { write: true },
    errors: { types: NODE_WRITE_ERRORS },
    args: {
      id: t.arg.globalID({ required: true, description: 'Global ID of the node.' }),
      input: t.arg({ type: UpdateNodeInput, required: true, description: 'The changes.' }),
    },
    resolve: (_root, { id, input }, { em, services }) => nodes(services.secrets).update(em, id.id, input),
  }),
  deleteNode: t.field({
    type: 'ID',
    description: 'Deletes a node with its telemetry; returns the deleted node’s global ID.',
    authScopes: { write: true },
    errors: { types: [NotFoundError, InputValidationError] },
    args: {
      id: t.arg.globalID({ required: true, description: 'Global ID of the node.' }),
    },
    resolve: async (_root, { id }, { em, services }) => {
      await nodes(services.secrets).delete(em, id.id);
      return encodeGlobalID('GatewayNode', id.id);
    },
  }),
}));
