import { filter, pipe } from 'graphql-yoga';
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
}));

builder.mutationFields((t) => ({
  acknowledgeAlert: t.field({
    type: AlertRef,
    description:
      'Marks an alert as seen and handled, recording who and when. Acknowledging twice keeps the first.',
    authScopes: { write: true },
    errors: { types: [NotFoundError, InputValidationError] },
    args: { id: t.arg.globalID({ required: true, description: 'Global ID of the alert.' }) },
    resolve: async (_root, { id }, { em, actor }) => {
      const alert = await em.findOne(FlowAlert, { id: id.id });
      if (!alert) throw new NotFoundError('alert', id.id);
      if (!alert.acknowledgedAt) {
        alert.acknowledgedAt = new Date();
        alert.acknowledgedBy = actor?.kind === 'user' ? em.getReference(User, actor.id) : null;
        await em.flush();
      }
      return alert;
    },
  }),
}));

builder.subscriptionFields((t) => ({
  alertRaised: t.field({
    type: AlertRef,
    description: 'Alerts as they are raised (after they are stored), optionally of one level or one flow.',
    authScopes: { read: true },
    args: {
      level: t.arg({ type: AlertLevelEnum, description: 'Only this level.' }),
      flowId: t.arg.globalID({ description: 'Only alerts of this flow.' }),
    },
    subscribe: (_root, args, { services }) =>
      pipe(
        services.pubsub.subscribe('alert'),
        filter(
          (event) =>
            (!args.level || event.level === args.level) && (!args.flowId || event.flowId === args.flowId.id),
        ),
      ),
    // Built from the event, which carries the committed row: no read per alert and subscriber.
    resolve: (event) =>
      ({
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
      }) as unknown as FlowAlert,
  }),
}));
