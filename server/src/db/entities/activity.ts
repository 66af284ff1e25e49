import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { newId } from '../ids.js';
import { Flow } from './flow.js';

/**
 * That a person did something (ate lunch, took medication), recorded by an `activity_record` step and
 * read by `verification` (the Composable Pipelines seed's PersonActivity).
 */
export const PersonActivity = defineEntity({
  name: 'PersonActivity',
  tableName: 'person_activities',
  indexes: [{ properties: ['type', 'occurredAt'] }, { properties: ['person', 'occurredAt'] }],
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId()),
    type: p.string(),
    person: p.string().nullable(),
    room: p.string().nullable(),
    confidence: p.float(),
    metadata: p.json<Record<string, unknown>>(),
    occurredAt: p.datetime(),
    flow: () => p.manyToOne(Flow).nullable().deleteRule('set null'),
    executionId: p.string().nullable(),
    stepKey: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type PersonActivity = InferEntity<typeof PersonActivity>;
