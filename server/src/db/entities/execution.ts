import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { newId } from '../ids.js';
import { Flow } from './flow.js';
import { User } from './identity.js';
import { GatewayNode } from './home.js';

export const EXECUTION_STATUSES = [
  'pending',
  'running',
  'waiting',
  'completed',
  'failed',
  'cancelled',
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
export const STEP_RUN_STATUSES = [
  'running',
  'completed',
  'failed',
  'skipped',
  'waiting',
  'cancelled',
] as const;
export type StepRunStatus = (typeof STEP_RUN_STATUSES)[number];
export const ALERT_LEVELS = ['emergency', 'warning', 'info', 'reminder'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];

export interface ExecutionError {
  message: string;
  stepKey?: string;
  code?: string;
}

export const FlowExecution = defineEntity({
  name: 'FlowExecution',
  tableName: 'flow_executions',
  indexes: [{ properties: ['flow', 'createdAt'] }, { properties: ['status', 'resumeAt'] }],
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId()),
    flow: () => p.manyToOne(Flow).deleteRule('cascade'),
    flowVersion: p.integer(),
    status: p.enum(['pending', 'running', 'waiting', 'completed', 'failed', 'cancelled']).default('pending'),
    triggerType: p.string(),
    triggerStepKey: p.string().nullable(),
    triggerPayload: p.json<Record<string, unknown>>(),
    /** The pipeline data as it stood at the last step boundary. */
    data: p.json<Record<string, unknown>>(),
    /** The graph the run executes against, frozen when the run was recorded. */
    snapshot: p.json<Record<string, unknown>>(),
    currentStep: p.string().nullable(),
    completedSteps: p.json<string[]>(),
    skippedSteps: p.json<string[]>(),
    error: p.json<ExecutionError>().nullable(),
    startedAt: p.datetime().nullable(),
    finishedAt: p.datetime().nullable(),
    durationMs: p.integer().nullable(),
    resumeAt: p.datetime().nullable(),
    /** What a waiting run waits for (a timer, a prompt answer, a child run). */
    waitingFor: p.json<Record<string, unknown>>().nullable(),
    cooloffConsumed: p.boolean().default(false),
    parentExecution: () => p.manyToOne(FlowExecution).nullable().deleteRule('set null'),
    depth: p.integer().default(0),
    rerunOf: () => p.manyToOne(FlowExecution).nullable().deleteRule('set null'),
    /** Sequence number of the last published event for this run. */
    eventSeq: p.integer().default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type FlowExecution = InferEntity<typeof FlowExecution>;

/** One row per step attempt: the run's timeline. */
export const FlowExecutionStep = defineEntity({
  name: 'FlowExecutionStep',
  tableName: 'flow_execution_steps',
  indexes: [{ properties: ['execution', 'startedAt'] }],
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId()),
    execution: () => p.manyToOne(FlowExecution).deleteRule('cascade'),
    stepKey: p.string(),
    stepType: p.string(),
    status: p.enum(['running', 'completed', 'failed', 'skipped', 'waiting', 'cancelled']),
    attempt: p.integer().default(1),
    startedAt: p.datetime(),
    elapsedMs: p.integer().nullable(),
    output: p.json<unknown>().nullable(),
    ports: p.json<string[]>(),
    error: p.text().nullable(),
  },
});
export type FlowExecutionStep = InferEntity<typeof FlowExecutionStep>;

export const FlowAlert = defineEntity({
  name: 'FlowAlert',
  tableName: 'flow_alerts',
  indexes: [{ properties: ['acknowledgedAt', 'createdAt'] }],
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId()),
    level: p.enum(['emergency', 'warning', 'info', 'reminder']),
    message: p.text(),
    flow: () => p.manyToOne(Flow).nullable().deleteRule('set null'),
    execution: () => p.manyToOne(FlowExecution).nullable().deleteRule('set null'),
    stepKey: p.string().nullable(),
    node: () => p.manyToOne(GatewayNode).nullable().deleteRule('set null'),
    acknowledgedBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    acknowledgedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type FlowAlert = InferEntity<typeof FlowAlert>;

/**
 * The replayable log of published execution events. `id` is the cursor a subscriber passes back as
 * `after` to replay what it missed; only the newest events are kept (see the engine's event log).
 */
export const FlowExecutionEvent = defineEntity({
  name: 'FlowExecutionEvent',
  tableName: 'flow_execution_events',
  properties: {
    id: p.integer().primary().autoincrement(),
    executionId: p.string(),
    flowId: p.string(),
    flowName: p.string(),
    seq: p.integer(),
    kind: p.string(),
    status: p.string(),
    stepKey: p.string().nullable(),
    stepType: p.string().nullable(),
    ports: p.json<string[]>().nullable(),
    elapsedMs: p.integer().nullable(),
    error: p.text().nullable(),
    at: p.datetime(),
  },
});
export type FlowExecutionEvent = InferEntity<typeof FlowExecutionEvent>;
