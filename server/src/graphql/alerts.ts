import {
  encodeGlobalID,
  resolveCursorConnection,
  type ResolveCursorConnectionArgs,
} from '@pothos/plugin-relay';
import { ALERT_LEVELS, Flow, FlowAlert, GatewayNode, User } from '../db/entities/index.js';
import { NotFoundError } from '../flows/errors.js';
import { builder } from './builder.js';
import { InputValidationError } from './input-validation.js';
import { FlowRef } from './flow-types.js';
import { GatewayNodeRef } from './home.js';
import { UserRef } from './identity.js';
import { liveTopics } from './live-topics.js';
import { replayThenLive } from './replay.js';
import type { AlertRaisedEvent } from '../engine/types.js';
import type { GraphQLContext } from './context.js';

const REPLAY_PAGE = 500;

/** Alerts after `afterId`, oldest first, read in pages; alerts are never trimmed, so nothing is lost. */
async function* storedAlertsAfter(
  em: GraphQLContext['em'],
  afterId: string,
  where: { level?: string; flow?: string },
): AsyncGenerator<FlowAlert> {
  for (let cursor = afterId; ;) {
    const page = await em.fork().find(FlowAlert, { id: { $gt: cursor }, ...where } as never, {
      orderBy: { id: 'asc' },
      limit: REPLAY_PAGE,
    });
    yield* page;
    if (page.length < REPLAY_PAGE) return;
    cursor = page[page.length - 1]!.id;
  }
}

const AlertCountsRef = builder.simpleObject('AlertCounts', {
  description: 'How many alerts are not acknowledged yet, per level (for a badge).',
  fields: (t) => ({
    emergency: t.int({ description: 'Open emergency alerts.' }),
    warning: t.int({ description: 'Open warnings.' }),
    info: t.int({ description: 'Open info alerts.' }),
    reminder: t.int({ description: 'Open reminders.' }),
    total: t.int({ description: 'All open alerts.' }),
  }),
});

export const AlertLevelEnum = builder.enumType('AlertLevel', {
  description: 'How urgent an alert is.',
  values: Object.fromEntries(
    ALERT_LEVELS.map((value) => [
      value.toUpperCase(),
      {
        value,
        description: {
          emergency: 'Someone may be in danger: act now.',
          warning: 'Something needs attention soon.',
          info: 'For the record.',
          reminder: 'A nudge, e.g. medication or a check-in.',
        }[value],
      },
    ]),
  ),
});

export const AlertRef = builder.node(builder.objectRef<FlowAlert>('Alert'), {
  description: 'An alert raised by a flow, for caregivers to see and acknowledge.',
  id: { resolve: (alert) => alert.id },
  authScopes: { read: true },
  loadMany: (ids, context) => context.em.find(FlowAlert, { id: { $in: ids as string[] } }),
  fields: (t) => ({
    level: t.expose('level', { type: AlertLevelEnum, description: 'Urgency.' }),
    message: t.exposeString('message', { description: 'What happened, rendered from the step’s template.' }),
    flow: t.field({
      type: FlowRef,
      nullable: true,
      description: 'Flow that raised it (null if the flow was deleted).',
      resolve: (alert, _args, { em }) => (alert.flow ? em.findOne(Flow, { id: alert.flow.id }) : null),
    }),
    executionId: t.id({
      nullable: true,
      description: 'Global ID of the run that raised it.',
      resolve: (alert) => (alert.execution ? encodeGlobalID('FlowExecution', alert.execution.id) : null),
    }),
    stepKey: t.exposeString('stepKey', { nullable: true, description: 'Step that raised it.' }),
    node: t.field({
      type: GatewayNodeRef,
      nullable: true,
      description: 'Node the alert is about.',
      resolve: (alert, _args, { em }) => (alert.node ? em.findOne(GatewayNode, { id: alert.node.id }) : null),
    }),
    acknowledged: t.boolean({
      description: 'Whether someone has acknowledged it.',
      resolve: (alert) => !!alert.acknowledgedAt,
    }),
    acknowledgedAt: t.expose('acknowledgedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was acknowledged.',
    }),
    acknowledgedBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who acknowledged it.',
      grantScopes: ['signedIn'],
      resolve: (alert, _args, { em }) =>
        alert.acknowledgedBy ? em.findOne(User, { id: alert.acknowledgedBy.id }) : null,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was raised.' }),
  }),
});

builder.queryFields((t) => ({
  alerts: t.connection(
    {
      type: AlertRef,
      description: 'Alerts, newest first.',
      authScopes: { read: true },
      args: {
        level: t.arg({ type: AlertLevelEnum, description: 'Only this level.' }),
        flowId: t.arg.globalID({ description: 'Only alerts of this flow.' }),
        acknowledged: t.arg.boolean({ description: 'Only acknowledged (true) or open (false) alerts.' }),
      },
      resolve: (_root, args, { em }) =>
        resolveCursorConnection(
          { args, toCursor: (alert: FlowAlert) => alert.id },
          ({ before, after, limit, inverted }: ResolveCursorConnectionArgs) =>
            // Ids are UUIDv7, so ordering by id is ordering by creation time.
            em.find(
              FlowAlert,
              {
                ...(args.level && { level: args.level }),
                ...(args.flowId && { flow: args.flowId.id }),
                ...(args.acknowledged === true && { acknowledgedAt: { $ne: null } }),
                ...(args.acknowledged === false && { acknowledgedAt: null }),
                ...((before || after) && {
                  id: { ...(before && { $gt: before }), ...(after && { $lt: after }) },
                }),
              },
              { limit, orderBy: { id: inverted ? 'asc' : 'desc' } },
            ),
        ),
    },
    { description: 'A page of alerts.' },
    { description: 'An alert in a page of alerts.' },
  ),
  unacknowledgedAlertCounts: t.field({
    type: AlertCountsRef,
    description: 'Open (not acknowledged) alerts counted by level.',
    authScopes: { read: true },
    resolve: async (_root, _args, { em }) => {
      const rows = await em
        .getConnection()
        .execute<Array<{ level: string; n: number }>>(
          'select level, count(*) as n from flow_alerts where acknowledged_at is null group by level',
        );
      const counts = { emergency: 0, warning: 0, info: 0, reminder: 0, total: 0 };
      for (const row of rows) {
        if (row.level in counts) counts[row.level as keyof typeof counts] = Number(row.n);
        counts.total += Number(row.n);
      }
      return counts;
    },
  }),
}));

/** Stamps open alerts as acknowledged by the actor; already acknowledged ones keep their first stamp. */
async function acknowledge(alerts: FlowAlert[], { em, actor, services }: GraphQLContext): Promise<void> {
  const now = new Date();
  const changed: string[] = [];
  for (const alert of alerts) {
    if (alert.acknowledgedAt) continue;
    alert.acknowledgedAt = now;
    alert.acknowledgedBy = actor?.kind === 'user' ? em.getReference(User, actor.id) : null;
    changed.push(alert.id);
  }
  await em.flush();
  if (changed.length) services.pubsub.publish('alertsAcknowledged', { ids: changed });
}

builder.mutationFields((t) => ({
  acknowledgeAlert: t.field({
    type: AlertRef,
    description:
      'Marks an alert as seen and handled, recording who and when. Acknowledging twice keeps the first.',
    authScopes: { write: true },
    errors: { types: [NotFoundError, InputValidationError] },
    args: { id: t.arg.globalID({ required: true, description: 'Global ID of the alert.' }) },
    resolve: async (_root, { id }, context) => {
      const { em } = context;
      const alert = await em.findOne(FlowAlert, { id: id.id });
      if (!alert) throw new NotFoundError('alert', id.id);
      await acknowledge([alert], context);
      return alert;
    },
  }),
  acknowledgeAlerts: t.field({
    type: [AlertRef],
    description:
      'Acknowledges several alerts at once (all or none: an unknown id changes nothing). Returns them ' +
      'in the order given; ones acknowledged before keep their first stamp.',
    authScopes: { write: true },
    errors: { types: [NotFoundError, InputValidationError] },
    args: {
      ids: t.arg.globalIDList({
        required: true,
        description: 'Global IDs of the alerts (at most 500).',
      }),
    },
    resolve: async (_root, { ids }, context) => {
      // A bounded batch keeps one request from locking the table for long.
      if (ids.length > 500)
        throw new InputValidationError([{ path: ['ids'], message: 'At most 500 alerts at once' }]);
      const wanted = [...new Set(ids.map((id) => id.id))];
      const alerts = await context.em.find(FlowAlert, { id: { $in: wanted } });
      const missing = wanted.find((id) => !alerts.some((alert) => alert.id === id));
      if (missing) throw new NotFoundError('alert', missing);
      await acknowledge(alerts, context);
      const byId = new Map(alerts.map((alert) => [alert.id, alert]));
      return ids.map((id) => byId.get(id.id) as FlowAlert);
    },
  }),
}));

builder.subscriptionFields((t) => ({
  alertsAcknowledged: t.field({
    type: ['ID'],
    description: 'Global IDs of alerts as someone acknowledges them (to update badges in other open apps).',
    authScopes: { read: true },
    subscribe: (_root, _args, { services }) => liveTopics(services.pubsub).subscribe('alertsAcknowledged'),
    resolve: (event) => event.ids.map((id) => encodeGlobalID('Alert', id)),
  }),
  alertRaised: t.field({
    type: AlertRef,
    description:
      'Alerts as they are raised (after they are stored), optionally of one level or one flow. With `after` ' +
      '(the ID of the last alert seen) the alerts raised since then are replayed first, then live ones, ' +
      'without duplicates; alerts are kept until their flow is deleted, so the replay is complete.',
    authScopes: { read: true },
    args: {
      level: t.arg({ type: AlertLevelEnum, description: 'Only this level.' }),
      flowId: t.arg.globalID({ description: 'Only alerts of this flow.' }),
      after: t.arg.globalID({
        description: 'The last alert the client saw; replay from there.',
      }),
    },
    subscribe: (_root, args, { services, em }) => {
      const accept = (event: AlertRaisedEvent) =>
        (!args.level || event.level === args.level) && (!args.flowId || event.flowId === args.flowId.id);
      const live = liveTopics(services.pubsub).subscribe('alert', accept);
      if (!args.after) return live;
      const where = {
        ...(args.level && { level: args.level }),
        ...(args.flowId && { flow: args.flowId.id }),
      };
      const afterId = args.after.id;
      return replayThenLive<AlertRaisedEvent, FlowAlert>({
        live,
        accept,
        replay: () => storedAlertsAfter(em, afterId, where),
        // Ids are UUIDv7 in one fixed format: string order is creation order.
        keyOf: (item) => item.id,
      });
    },
    // Built from the event, which carries the committed row: no read per alert and subscriber.
    resolve: (event) =>
      'acknowledgedAt' in event
        ? event
        : ({
            id: event.id,
            level: event.level,
            message: event.message,
            flow: event.flowId ? { id: event.flowId } : null,
            execution: event.executionId ? { id: event.executionId } : null,
            stepKey: event.stepKey,
            node: event.nodeId ? { id: event.nodeId } : null,
            acknowledgedAt: null,
            acknowledgedBy: null,
            createdAt: event.createdAt,
          } as unknown as FlowAlert),
  }),
}));
