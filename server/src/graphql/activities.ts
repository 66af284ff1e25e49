import { encodeGlobalID, resolveOffsetConnection } from '@pothos/plugin-relay';
import { z } from 'zod';
import type { Activity } from '../activities/store.js';
import { Flow } from '../db/entities/index.js';
import { builder } from './builder.js';
import { FlowRef } from './flow-types.js';

const ActivityRef = builder.objectRef<Activity>('PersonActivity').implement({
  description:
    'That a person did something (ate lunch, took medication), recorded by an activity_record step.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Identifier of the record.' }),
    type: t.exposeString('type', { description: 'What happened, e.g. meal_lunch.' }),
    person: t.exposeString('person', { nullable: true, description: 'Who; null when unknown.' }),
    room: t.exposeString('room', { nullable: true, description: 'Where.' }),
    confidence: t.exposeFloat('confidence', { description: 'How sure (0–1).' }),
    metadata: t.field({ type: 'JSONObject', description: 'Extra details.', resolve: (a) => a.metadata }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime', description: 'When it happened.' }),
    flow: t.field({
      type: FlowRef,
      nullable: true,
      description: 'The flow that recorded it (null once deleted).',
      resolve: (a, _args, { em }) => (a.flowId ? em.findOne(Flow, { id: a.flowId }) : null),
    }),
    executionId: t.id({
      nullable: true,
      description: 'Global ID of the run that recorded it (see `execution`).',
      resolve: (a) => (a.executionId ? encodeGlobalID('FlowExecution', a.executionId) : null),
    }),
    stepKey: t.exposeString('stepKey', { nullable: true, description: 'The step that recorded it.' }),
  }),
});

builder.queryFields((t) => ({
  activities: t.connection(
    {
      type: ActivityRef,
      description: 'Recorded activities, newest first, filtered by person, type, room, time and confidence.',
      authScopes: { read: true },
      args: {
        person: t.arg.string({ description: 'Only this person (any case).' }),
        types: t.arg.stringList({ description: 'Only these activity types.' }),
        room: t.arg.string({ description: 'Only this room (any case).' }),
        since: t.arg({ type: 'DateTime', description: 'Only at or after this time.' }),
        until: t.arg({ type: 'DateTime', description: 'Only at or before this time.' }),
        minConfidence: t.arg.float({
          description: 'Only records at least this sure.',
          validate: z.number().min(0).max(1),
        }),
      },
      resolve: async (_root, args, { services }) => {
        let totalCount = 0;
        const connection = await resolveOffsetConnection({ args }, ({ limit, offset }) => {
          const page = services.activities.list(
            {
              ...(args.person && { person: args.person }),
              ...(args.types && { types: args.types }),
              ...(args.room && { room: args.room }),
              ...(args.since && { since: args.since }),
              ...(args.until && { until: args.until }),
              ...(args.minConfidence != null && { minConfidence: args.minConfidence }),
            },
            { limit, offset },
          );
          totalCount = page.total;
          return page.rows;
        });
        return { ...connection, totalCount };
      },
    },
    {
      description: 'A page of activities.',
      fields: (c) => ({
        totalCount: c.int({
          description: 'Activities matching the filter, over all pages.',
          resolve: (connection) => (connection as { totalCount: number }).totalCount,
        }),
      }),
    },
    { description: 'An activity in a page of activities.' },
  ),
}));
