import { resolveOffsetConnection } from '@pothos/plugin-relay';
import { GatewayNode, NODE_STATUSES } from '../db/entities/index.js';
import { builder } from './builder.js';

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
        status: t.arg({ type: NodeStatusEnum, description: 'Only nodes with this status.' }),
        tag: t.arg.string({ description: 'Only nodes carrying this tag.' }),
        kind: t.arg.string({ description: 'Only nodes of this kind.' }),
      },
      resolve: async (_root, args, { em }) => {
        const where = {
          ...(args.status && { status: args.status }),
          ...(args.kind && { kind: args.kind }),
        };
        // Tags live in a JSON column; filter them here, after the indexed conditions.
        const all = await em.find(GatewayNode, where, { orderBy: { name: 'asc', id: 'asc' } });
        const matching = args.tag ? all.filter((node) => node.tags.includes(args.tag!)) : all;
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
