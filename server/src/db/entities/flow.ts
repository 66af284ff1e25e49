import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { newId } from '../ids.js';

export const RUN_MODES = ['parallel', 'queued', 'single'] as const;
export type RunMode = (typeof RUN_MODES)[number];
export const ERROR_STRATEGIES = ['stop', 'skip', 'retry'] as const;
export type ErrorStrategy = (typeof ERROR_STRATEGIES)[number];

export const Flow = defineEntity({
  name: 'Flow',
  tableName: 'flows',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId()),
    name: p.string().unique(),
    description: p.text().default(''),
    enabled: p.boolean().default(true),
    /** Bumped on every graph change; saves carry the version they were based on. */
    version: p.integer().default(1),
    defaultStepTimeoutMs: p.integer().default(30000),
    maxExecutions: p.integer().default(100),
    cooloffMinutes: p.integer().default(0),
    runMode: p.enum(['parallel', 'queued', 'single']).default('parallel'),
    maxConcurrentRuns: p.integer().default(10),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    /**
     * Who saved last, as a display name (a person's name, or an API key's name with "(API key)"), so
     * an editor refused with a version conflict can say who saved first. A name rather than a relation:
     * API keys save too, and the record should outlive a deleted account. Null before this was kept.
     */
    updatedBy: p.string().nullable(),
    steps: () => p.oneToMany(FlowStep).mappedBy('flow'),
    edges: () => p.oneToMany(FlowEdge).mappedBy('flow'),
  },
});
export type Flow = InferEntity<typeof Flow>;

export const FlowActionTemplate = defineEntity({
  name: 'FlowActionTemplate',
  tableName: 'flow_action_templates',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId()),
    name: p.string().unique(),
    type: p.string(),
    description: p.text().default(''),
    config: p.json<Record<string, unknown>>(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type FlowActionTemplate = InferEntity<typeof FlowActionTemplate>;

export const FlowStep = defineEntity({
  name: 'FlowStep',
  tableName: 'flow_steps',
  uniques: [{ properties: ['flow', 'key'] }],
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId()),
    flow: () => p.manyToOne(Flow).deleteRule('cascade'),
    /** Stable identifier used by templates (`steps.<key>.output`) and edges. */
    key: p.string(),
    type: p.string(),
    config: p.json<Record<string, unknown>>(),
    label: p.string().default(''),
    positionX: p.float().default(0),
    positionY: p.float().default(0),
    enabled: p.boolean().default(true),
    onError: p.enum(['stop', 'skip', 'retry']).default('stop'),
    retryAttempts: p.integer().default(3),
    timeoutMs: p.integer().nullable(),
    actionTemplate: () => p.manyToOne(FlowActionTemplate).nullable().deleteRule('set null'),
  },
});
export type FlowStep = InferEntity<typeof FlowStep>;

export const FlowEdge = defineEntity({
  name: 'FlowEdge',
  tableName: 'flow_edges',
  uniques: [{ properties: ['source', 'sourcePort', 'target'] }],
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId()),
    flow: () => p.manyToOne(Flow).deleteRule('cascade'),
    source: () => p.manyToOne(FlowStep).deleteRule('cascade'),
    sourcePort: p.string().default('main'),
    target: () => p.manyToOne(FlowStep).deleteRule('cascade'),
  },
});
export type FlowEdge = InferEntity<typeof FlowEdge>;

/** State that survives between runs: `scope` is a flow id or `global`. */
export const FlowVariable = defineEntity({
  name: 'FlowVariable',
  tableName: 'flow_variables',
  uniques: [{ properties: ['scope', 'key'] }],
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId()),
    scope: p.string(),
    flow: () => p.manyToOne(Flow).nullable().deleteRule('cascade'),
    key: p.string(),
    value: p.json<unknown>().nullable(),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type FlowVariable = InferEntity<typeof FlowVariable>;
