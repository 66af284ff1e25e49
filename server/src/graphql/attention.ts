import { FlowAlert, FlowExecution, GatewayNode, User } from '../db/entities/index.js';
import { AlertRef } from './alerts.js';
import { builder } from './builder.js';
import type { GraphQLContext } from './context.js';
import { ExecutionRef, toRecord } from './executions.js';
import { GatewayNodeRef } from './home.js';

/** Each list is capped: the home screen shows what is wrong now, the inboxes hold the rest. */
const LIMIT = 50;
/** Without a stored "last looked", failed runs of the last day count as new. */
const DEFAULT_WINDOW_MS = 24 * 60 * 60 * 1000;
const LEVEL_ORDER = ['emergency', 'warning', 'reminder', 'info'];

/** What the home screen asks for; the field resolvers read what they need from `since`. */
export interface NeedsAttention {
  since: Date;
}

/**
 * What needs a caregiver now. Other areas add their own lists to this type with
 * `builder.objectField(NeedsAttentionRef, …)`: the tablets module adds `pendingPrompts`.
 */
export const NeedsAttentionRef = builder.objectRef<NeedsAttention>('NeedsAttention').implement({
  description:
    'What needs a caregiver now: open alerts, check-ins waiting for an answer, runs that failed since they last looked, offline nodes.',
  fields: (t) => ({
    alerts: t.field({
      type: [AlertRef],
      description: `Open (unacknowledged) alerts, most urgent level first, newest first within a level (at most ${LIMIT}).`,
      resolve: async (_root, _args, { em }) => {
        const open = await em.find(
          FlowAlert,
          { acknowledgedAt: null },
          { orderBy: { id: 'desc' }, limit: 500 },
        );
        return open
          .sort((a, b) => LEVEL_ORDER.indexOf(a.level) - LEVEL_ORDER.indexOf(b.level))
          .slice(0, LIMIT);
      },
    }),
    failedRuns: t.field({
      type: [ExecutionRef],
      description: `Runs that failed since \`failedRunsSince\`, newest first (at most ${LIMIT}).`,
      resolve: async ({ since }, _args, { em }) =>
        (
          await em.find(
            FlowExecution,
            { status: 'failed', createdAt: { $gte: since } },
            { orderBy: { id: 'desc' }, limit: LIMIT, exclude: ['snapshot'], populate: ['flow'] },
          )
        ).map(toRecord),
    }),
    failedRunsSince: t.field({
      type: 'DateTime',
      description: 'Failed runs recorded from this time on are listed: when the caregiver last looked.',
      resolve: ({ since }) => since,
    }),
    offlineNodes: t.field({
      type: [GatewayNodeRef],
      description: `Nodes not heard from within the offline window (at most ${LIMIT}).`,
      resolve: (_root, _args, { em }) =>
        em.find(GatewayNode, { status: 'offline' }, { orderBy: { lastSeenAt: 'asc' }, limit: LIMIT }),
    }),
  }),
});

async function lastLooked(context: GraphQLContext): Promise<Date | null> {
  if (context.actor?.kind !== 'user') return null;
  const user = await context.em.findOne(User, { id: context.actor.id }, { fields: ['attentionSeenAt'] });
  return user?.attentionSeenAt ?? null;
}

builder.queryFields((t) => ({
  needsAttention: t.field({
    type: NeedsAttentionRef,
    description:
      'What is wrong now, for the home screen. Failed runs count from `failedSince`, else from when the ' +
      'signed-in person last called `markAttentionSeen`, else from 24 hours ago.',
    authScopes: { read: true },
    args: {
      failedSince: t.arg({ type: 'DateTime', description: 'List failed runs recorded from this time on.' }),
    },
    resolve: async (_root, args, context) => ({
      since: args.failedSince ?? (await lastLooked(context)) ?? new Date(Date.now() - DEFAULT_WINDOW_MS),
    }),
  }),
}));

builder.mutationFields((t) => ({
  markAttentionSeen: t.field({
    type: 'DateTime',
    description:
      'Records that the signed-in person has seen the failed runs listed so far; `needsAttention` then ' +
      'lists only later ones. Returns the time recorded (null for API keys and devices, which have no person).',
    nullable: true,
    authScopes: { read: true },
    resolve: async (_root, _args, { em, actor }) => {
      if (actor?.kind !== 'user') return null;
      const now = new Date();
      await em.nativeUpdate(User, { id: actor.id }, { attentionSeenAt: now });
      return now;
    },
  }),
}));
