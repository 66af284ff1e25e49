import { maskSealed } from '../crypto/sealed-config.js';
import { boundedJson } from './input-limits.js';
import { ownResult, readableWith } from './own-results.js';
import {
  encodeGlobalID,
  resolveCursorConnection,
  type ResolveCursorConnectionArgs,
} from '@pothos/plugin-relay';
import { wrap, type FilterQuery } from '@mikro-orm/core';
import { liveTopics } from './live-topics.js';
import {
  EXECUTION_STATUSES,
  Flow,
  FlowExecution,
  FlowExecutionEvent,
  FlowExecutionStep,
  FlowStep,
} from '../db/entities/index.js';
import { EngineError } from '../engine/errors.js';
import type { ExecutionRecord, PipelineExecutionEvent } from '../engine/types.js';
import { builder } from './builder.js';
import { InputValidationError } from './input-validation.js';
import type { GraphQLContext } from './context.js';
import { ErrorInterface } from './errors.js';
import { FlowRef } from './flow-types.js';
import { parseEventCursor, replayThenLive, ReplayUnavailable } from './replay.js';

const ACTIVE = ['running', 'waiting'] as const;

/** Stored events are read back in pages of this many while a reconnecting client catches up. */
const REPLAY_PAGE = 1000;

export function toRecord(row: Omit<FlowExecution, 'snapshot'>): ExecutionRecord {
  return {
    id: row.id,
    flowId: row.flow.id,
    // Filled when the query populated the flow (list and node loads do).
    flowName: wrap(row.flow).isInitialized() ? row.flow.name : '',
    flowVersion: row.flowVersion,
    status: row.status,
    triggerType: row.triggerType,
    triggerStepKey: row.triggerStepKey ?? null,
    triggerPayload: row.triggerPayload,
    data: row.data,
    currentStep: row.currentStep ?? null,
    completedSteps: row.completedSteps,
    skippedSteps: row.skippedSteps,
    error: row.error ?? null,
    startedAt: row.startedAt ?? null,
    finishedAt: row.finishedAt ?? null,
    durationMs: row.durationMs ?? null,
    resumeAt: row.resumeAt ?? null,
    waitingFor: row.waitingFor ?? null,
    cooloffConsumed: row.cooloffConsumed,
    parentExecutionId: row.parentExecution?.id ?? null,
    depth: row.depth,
    rerunOf: row.rerunOf?.id ?? null,
    eventSeq: row.eventSeq,
    createdAt: row.createdAt,
  };
}

async function loadRun(em: GraphQLContext['em'], id: string | null): Promise<ExecutionRecord | null> {
  const row = id
    ? await em.findOne(FlowExecution, { id }, { exclude: ['snapshot'], populate: ['flow'] })
    : null;
  return row ? toRecord(row) : null;
}

const statusValues = <T extends string>(values: readonly T[], describe: Record<T, string>) =>
  Object.fromEntries(values.map((value) => [value.toUpperCase(), { value, description: describe[value] }]));

export const ExecutionStatusEnum = builder.enumType('ExecutionStatus', {
  description: 'Where a run stands.',
  values: statusValues(EXECUTION_STATUSES, {
    pending: 'Recorded, not started yet.',
    running: 'Executing steps.',
    waiting: 'Paused durably at a wait or a prompt; resumes when due or answered.',
    completed: 'Finished.',
    failed: 'A step failed with the stop strategy (see `error`).',
    cancelled: 'Cancelled by a person or the API.',
  }),
});

const EVENT_STATUSES = [...EXECUTION_STATUSES, 'skipped'] as const;
const EventStatusEnum = builder.enumType('PipelineEventStatus', {
  description: 'Status a run or a step moved to.',
  values: statusValues(EVENT_STATUSES, {
    pending: 'Run recorded.',
    running: 'Run or step started.',
    waiting: 'Run or step is waiting.',
    completed: 'Run or step finished.',
    failed: 'Run or step failed.',
    cancelled: 'Run or step was cancelled.',
    skipped: 'Step was passed over: every edge into it was dead.',
  }),
});

const ExecutionErrorRef = builder.simpleObject('ExecutionError', {
  description: 'Why a run failed.',
  fields: (t) => ({
    message: t.string({ description: 'What went wrong.' }),
    stepKey: t.string({ nullable: true, description: 'The failing step.' }),
    code: t.string({
      nullable: true,
      description: 'Machine-readable reason, e.g. `timeout`, `nesting_limit`.',
    }),
  }),
});

const StepRunRef = builder.objectRef<FlowExecutionStep>('StepRun').implement({
  description: 'One attempt of one step in a run: a row of the timeline.',
  fields: (t) => ({
    stepKey: t.exposeString('stepKey', { description: 'Key of the step.' }),
    stepType: t.exposeString('stepType', { description: 'Type of the step.' }),
    status: t.expose('status', { type: EventStatusEnum, description: 'Outcome of the attempt.' }),
    attempt: t.exposeInt('attempt', { description: 'Attempt number, from 1.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When the attempt started.' }),
    elapsedMs: t.exposeInt('elapsedMs', { nullable: true, description: 'How long it took.' }),
    output: t.field({
      type: 'JSON',
      nullable: true,
      description: 'What the step produced.',
      resolve: (row) => row.output,
    }),
    ports: t.exposeStringList('ports', { description: 'Output ports it activated.' }),
    error: t.exposeString('error', { nullable: true, description: 'Error message, if it failed.' }),
  }),
});

// Declared before its fields because runs link to runs (parent, rerun).
export const ExecutionRef = builder.objectRef<ExecutionRecord>('FlowExecution');

builder.node(ExecutionRef, {
  description: 'A run of a flow, with its status, pipeline data and step-by-step timeline.',
  id: { resolve: (run) => run.id },
  authScopes: readableWith({ read: true }),
  loadMany: async (ids, { em }) =>
    (
      await em.find(
        FlowExecution,
        { id: { $in: ids as string[] } },
        { exclude: ['snapshot'], populate: ['flow'] },
      )
    ).map(toRecord),
  fields: (t) => ({
    flow: t.field({
      type: FlowRef,
      description: 'The flow that ran.',
      resolve: (run, _args, { em }) => em.findOneOrFail(Flow, { id: run.flowId }),
    }),
    flowName: t.string({
      description: 'Name of the flow that ran (its current name).',
      resolve: async (run, _args, { em }) =>
        run.flowName || (await em.findOneOrFail(Flow, { id: run.flowId }, { fields: ['name'] })).name,
    }),
    flowVersion: t.exposeInt('flowVersion', { description: 'Version of the flow graph the run executed.' }),
    status: t.expose('status', { type: ExecutionStatusEnum, description: 'Where the run stands.' }),
    triggerType: t.exposeString('triggerType', {
      description: 'What started it: manual, schedule, sensor_value …',
    }),
    triggerStepKey: t.exposeString('triggerStepKey', {
      nullable: true,
      description: 'Trigger step that fired.',
    }),
    triggerPayload: t.field({
      type: 'JSONObject',
      description: 'Trigger payload.',
      resolve: (run) => run.triggerPayload,
    }),
    data: t.field({
      type: 'JSONObject',
      description: 'Pipeline data at the last step boundary.',
      resolve: (run) => run.data,
    }),
    snapshot: t.field({
      type: 'JSONObject',
      description: 'The immutable graph the run executed against.',
      resolve: async (run, _args, { em }) =>
        maskSealed(
          (await em.findOneOrFail(FlowExecution, { id: run.id }, { fields: ['snapshot'] })).snapshot,
        ),
    }),
    currentStep: t.exposeString('currentStep', {
      nullable: true,
      description: 'Step running or waiting now.',
    }),
    completedSteps: t.exposeStringList('completedSteps', { description: 'Keys of steps that completed.' }),
    skippedSteps: t.exposeStringList('skippedSteps', { description: 'Keys of steps passed over.' }),
    error: t.field({
      type: ExecutionErrorRef,
      nullable: true,
      description: 'Why it failed.',
      resolve: (run) => run.error,
    }),
    startedAt: t.expose('startedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the first step started.',
    }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true, description: 'When it ended.' }),
    durationMs: t.exposeInt('durationMs', { nullable: true, description: 'Total time, ms.' }),
    resumeAt: t.expose('resumeAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When a waiting run resumes.',
    }),
    waitingFor: t.field({
      type: 'JSONObject',
      nullable: true,
      description: 'What a waiting run waits for.',
      resolve: (run) => run.waitingFor,
    }),
    cooloffConsumed: t.exposeBoolean('cooloffConsumed', {
      description: 'Whether this run started the flow’s cool-off.',
    }),
    depth: t.exposeInt('depth', { description: 'Nesting depth (0 for a run not started by another flow).' }),
    parentExecution: t.field({
      type: ExecutionRef,
      nullable: true,
      description: 'Run whose trigger_flow step started this one.',
      resolve: (run, _args, { em }) => loadRun(em, run.parentExecutionId),
    }),
    rerunOf: t.field({
      type: ExecutionRef,
      nullable: true,
      description: 'Run this one re-ran.',
      resolve: (run, _args, { em }) => loadRun(em, run.rerunOf),
    }),
    eventSeq: t.exposeInt('eventSeq', {
      description: 'Sequence number of the last event published for the run.',
    }),
    childExecutions: t.field({
      type: [ExecutionRef],
      description: 'Runs this run started through `trigger_flow` steps, oldest first.',
      resolve: async (run, _args, { em }) =>
        (
          await em.find(
            FlowExecution,
            { parentExecution: run.id },
            { orderBy: { id: 'asc' }, limit: 100, exclude: ['snapshot'], populate: ['flow'] },
          )
        ).map(toRecord),
    }),
    timeline: t.field({
      type: [StepRunRef],
      description: 'Every step attempt, in order.',
      resolve: (run, _args, { em }) =>
        em.find(FlowExecutionStep, { execution: run.id }, { orderBy: { startedAt: 'asc', id: 'asc' } }),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the run was recorded.' }),
  }),
});

const EventKindEnum = builder.enumType('PipelineEventKind', {
  description: 'Whether an event is about the whole run or one step.',
  values: {
    EXECUTION: { value: 'execution', description: 'The run.' },
    STEP: { value: 'step', description: 'A step.' },
  },
});

const PipelineEventRef = builder.objectRef<PipelineExecutionEvent>('PipelineExecutionEvent').implement({
  description: 'A status change of a run or one of its steps, streamed live.',
  fields: (t) => ({
    executionId: t.id({
      description: 'Global ID of the run.',
      resolve: (e) => encodeGlobalID('FlowExecution', e.executionId),
    }),
    flowId: t.id({ description: 'Global ID of the flow.', resolve: (e) => encodeGlobalID('Flow', e.flowId) }),
    flowName: t.exposeString('flowName', { description: 'Name of the flow.' }),
    seq: t.exposeInt('seq', {
      description: 'Per-run sequence number from 1; a gap means events were missed: refetch.',
    }),
    kind: t.expose('kind', { type: EventKindEnum, description: 'Run or step.' }),
    status: t.expose('status', { type: EventStatusEnum, description: 'New status.' }),
    stepKey: t.exposeString('stepKey', { nullable: true, description: 'Step key, for step events.' }),
    stepType: t.exposeString('stepType', { nullable: true, description: 'Step type, for step events.' }),
    ports: t.exposeStringList('ports', { nullable: true, description: 'Ports a completed step activated.' }),
    elapsedMs: t.exposeInt('elapsedMs', { nullable: true, description: 'Time taken so far, ms.' }),
    error: t.exposeString('error', { nullable: true, description: 'Error message, for failures.' }),
    at: t.expose('at', { type: 'DateTime', description: 'When it happened.' }),
    cursor: t.string({
      nullable: true,
      description:
        'Position in the replay log: pass the last one seen as `after` when resubscribing to get what was ' +
        'missed. Null only if the event could not be logged.',
      resolve: (e) => (e.cursor === undefined ? null : String(e.cursor)),
    }),
  }),
});

const PipelineFeedItemRef = builder.unionType('PipelineExecutionFeedItem', {
  description: 'An execution event, or the marker that events before it could not be replayed.',
  types: [PipelineEventRef, ReplayUnavailable],
  resolveType: (item) => (item instanceof ReplayUnavailable ? ReplayUnavailable : PipelineEventRef),
});

function eventFromRow(row: FlowExecutionEvent): PipelineExecutionEvent {
  return {
    executionId: row.executionId,
    flowId: row.flowId,
    flowName: row.flowName,
    seq: row.seq,
    kind: row.kind as PipelineExecutionEvent['kind'],
    status: row.status as PipelineExecutionEvent['status'],
    ...(row.stepKey !== null && row.stepKey !== undefined && { stepKey: row.stepKey }),
    ...(row.stepType !== null && row.stepType !== undefined && { stepType: row.stepType }),
    ...(row.ports && { ports: row.ports }),
    ...(row.elapsedMs !== null && row.elapsedMs !== undefined && { elapsedMs: row.elapsedMs }),
    ...(row.error !== null && row.error !== undefined && { error: row.error }),
    at: row.at,
    cursor: row.id,
  };
}

/** Stored events after `after` (in pages), or the marker when some were already trimmed away. */
async function* storedEventsAfter(
  em: GraphQLContext['em'],
  after: number,
  where: { flowId?: string; executionId?: string },
): AsyncGenerator<PipelineExecutionEvent | ReplayUnavailable> {
  const oldest = await em
    .fork()
    .findOne(FlowExecutionEvent, { id: { $gt: 0 } }, { orderBy: { id: 'asc' }, fields: ['id'] });
  if (oldest && after < oldest.id - 1) {
    yield new ReplayUnavailable(
      'Events after this cursor are no longer kept; refetch the runs you show.',
      String(oldest.id - 1),
    );
    return;
  }
  for (let cursor = after; ;) {
    const page = await em
      .fork()
      .find(
        FlowExecutionEvent,
        { id: { $gt: cursor }, ...where },
        { orderBy: { id: 'asc' }, limit: REPLAY_PAGE },
      );
    for (const row of page) yield eventFromRow(row);
    if (page.length < REPLAY_PAGE) return;
    cursor = page[page.length - 1]!.id;
  }
}

builder.objectType(EngineError, {
  name: 'RunRefusedError',
  description: 'The engine refused to start, cancel or rerun the run (flow disabled, not found, limits…).',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    reason: t.exposeString('code', { description: 'Machine-readable reason, e.g. `flow_disabled`.' }),
  }),
});

const TestStepResultRef = builder.simpleObject('TestStepResult', {
  description: 'What one step did with the given config and sample data; nothing was saved.',
  fields: (t) => ({
    success: t.boolean({ description: 'Whether the step succeeded.' }),
    output: t.field({ type: 'JSON', nullable: true, description: 'Its output.' }),
    ports: t.stringList({ description: 'Ports it would activate.' }),
    error: t.string({ nullable: true, description: 'Error message, if it failed.' }),
    durationMs: t.int({ description: 'How long it took.' }),
  }),
});

builder.queryFields((t) => ({
  executions: t.connection(
    {
      type: ExecutionRef,
      description: 'Runs, newest first, filtered by flow, status, trigger type and time.',
      authScopes: { read: true },
      args: {
        flowId: t.arg.globalID({ description: 'Only runs of this flow.' }),
        status: t.arg({ type: [ExecutionStatusEnum], description: 'Only runs in one of these states.' }),
        active: t.arg.boolean({
          description: 'Only runs still going (running or waiting) when true; only the others when false.',
        }),
        triggerType: t.arg.stringList({ description: 'Only runs started by one of these trigger types.' }),
        since: t.arg({ type: 'DateTime', description: 'Only runs recorded at or after this time.' }),
        until: t.arg({ type: 'DateTime', description: 'Only runs recorded before this time.' }),
      },
      resolve: async (_root, args, { em }) => {
        const where: FilterQuery<FlowExecution> = {
          ...(args.flowId && { flow: args.flowId.id }),
          ...(args.triggerType?.length && { triggerType: { $in: args.triggerType } }),
          ...((args.since || args.until) && {
            createdAt: {
              ...(args.since && { $gte: args.since }),
              ...(args.until && { $lt: args.until }),
            },
          }),
        };
        const statuses = [
          ...(args.status?.length ? [{ status: { $in: args.status } }] : []),
          ...(args.active === true ? [{ status: { $in: ACTIVE } }] : []),
          ...(args.active === false ? [{ status: { $nin: ACTIVE } }] : []),
        ];
        if (statuses.length) Object.assign(where, { $and: statuses });
        const connection = await resolveCursorConnection(
          { args, toCursor: (run: ExecutionRecord) => run.id },
          async ({ before, after, limit, inverted }: ResolveCursorConnectionArgs) =>
            // Ids are UUIDv7, so id order is recording order.
            (
              await em.find(
                FlowExecution,
                {
                  ...where,
                  ...((before || after) && {
                    id: { ...(before && { $gt: before }), ...(after && { $lt: after }) },
                  }),
                },
                {
                  limit,
                  orderBy: { id: inverted ? 'asc' : 'desc' },
                  exclude: ['snapshot'],
                  populate: ['flow'],
                },
              )
            ).map(toRecord),
        );
        // Counted only when asked for: a count over a long history is not free.
        return { ...connection, totalCount: () => em.count(FlowExecution, where) };
      },
    },
    {
      description: 'A page of runs.',
      fields: (t) => ({
        totalCount: t.int({
          description: 'How many runs match the filters, over all pages.',
          resolve: (connection) =>
            (connection as unknown as { totalCount: () => Promise<number> }).totalCount(),
        }),
      }),
    },
    { description: 'A run in a page of runs.' },
  ),
  executionEventsCursor: t.string({
    nullable: true,
    description:
      'Cursor of the newest stored execution event. Read it before (or with) the runs you show, then ' +
      'subscribe with it as `after`: nothing published in between is missed. Null before the first event.',
    authScopes: { read: true },
    resolve: async (_root, _args, { em }) => {
      const newest = await em
        .fork()
        .findOne(FlowExecutionEvent, { id: { $gt: 0 } }, { orderBy: { id: 'desc' }, fields: ['id'] });
      return newest ? String(newest.id) : null;
    },
  }),
  execution: t.field({
    type: ExecutionRef,
    nullable: true,
    description: 'One run by global ID; null when it does not exist (or was pruned by retention).',
    authScopes: { read: true },
    args: { id: t.arg.globalID({ required: true, description: 'Global ID of the run.' }) },
    resolve: (_root, { id }, { em }) => loadRun(em, id.id),
  }),
}));

builder.mutationFields((t) => ({
  triggerFlow: t.field({
    type: ExecutionRef,
    description: 'Starts a run of a flow by hand with a payload; returns the recorded run at once.',
    authScopes: { trigger: true },
    errors: { types: [EngineError, InputValidationError] },
    args: {
      id: t.arg.globalID({ required: true, description: 'Global ID of the flow.' }),
      payload: t.arg({
        type: 'JSONObject',
        description:
          'Trigger payload, available as `trigger.payload`: at most 20 levels deep, and at most 1 MB as ' +
          'JSON (a larger one is refused with `RunRefusedError`, reason `payload_too_large`).',
        // The engine refuses oversized payloads itself, with a typed error; depth is checked here.
        validate: boundedJson(Number.POSITIVE_INFINITY),
      }),
      triggerStepKey: t.arg.string({ description: 'Trigger step to start at, when the flow has several.' }),
    },
    resolve: (_root, args, context) =>
      ownResult(
        context,
        context.services.engine.trigger({
          flowId: args.id.id,
          payload: args.payload ?? {},
          triggerType: 'manual',
          ...(args.triggerStepKey && { triggerStepKey: args.triggerStepKey }),
        }),
      ),
  }),
  cancelExecution: t.field({
    type: ExecutionRef,
    description: 'Cancels a run: a waiting run at once, a running one at its next step boundary.',
    authScopes: { trigger: true },
    errors: { types: [EngineError, InputValidationError] },
    args: { id: t.arg.globalID({ required: true, description: 'Global ID of the run.' }) },
    resolve: (_root, { id }, context) => ownResult(context, context.services.engine.cancel(id.id)),
  }),
  rerunExecution: t.field({
    type: ExecutionRef,
    description: 'Starts a new run with the same trigger context as an earlier one (linked by `rerunOf`).',
    authScopes: { trigger: true },
    errors: { types: [EngineError, InputValidationError] },
    args: { id: t.arg.globalID({ required: true, description: 'Global ID of the run.' }) },
    resolve: (_root, { id }, context) => ownResult(context, context.services.engine.rerun(id.id)),
  }),
  testStep: t.field({
    type: TestStepResultRef,
    description:
      'A dry run of one step: the config is checked against the type’s schema, its templates are rendered against the sample pipeline data, and the step’s logic runs, but nothing is saved and nothing leaves the server. `http`, `webhook_out`, `notification` channels and `command` return what they would have sent (`wouldSend`) instead of sending or connecting; `alert` raises nothing (its id is null); `set_variable` writes are seen only within this test; `cooldown` always passes; `trigger_flow` starts no run; a durable wait is reported, not entered; `sleep` does wait (up to the sleep limit). The test times out after 10 s.',
    authScopes: { write: true },
    args: {
      type: t.arg.string({ required: true, description: 'Step type.' }),
      config: t.arg({ type: 'JSONObject', required: true, description: 'Step config.' }),
      data: t.arg({
        type: 'JSONObject',
        description: 'Sample pipeline data (`trigger`, `steps`, `vars` …).',
      }),
      flowId: t.arg.globalID({
        description:
          'With `stepKey`: the step this config edits; once saved, `{"$secret": "set"}` uses its stored secret (never shown in the result).',
      }),
      stepKey: t.arg.string({ description: 'Key of that saved step.' }),
    },
    resolve: async (_root, args, { em, services }) =>
      services.engine.testStep({
        type: args.type,
        config: args.config,
        data: args.data ?? {},
        ...(args.flowId &&
          args.stepKey && { stored: await savedStepConfig(em, args.flowId.id, args.stepKey, args.type) }),
      }),
  }),
}));

builder.subscriptionFields((t) => ({
  pipelineExecutionEvents: t.field({
    type: PipelineFeedItemRef,
    description:
      'Live status changes of runs and steps, optionally of one flow or one run. With `after` (the ' +
      '`cursor` of the last event seen) it first replays the stored events since then, then goes live, ' +
      'without duplicates; if that cursor is older than what is kept, a `ReplayUnavailable` comes first.',
    authScopes: { read: true },
    args: {
      flowId: t.arg.globalID({ description: 'Only events of this flow.' }),
      executionId: t.arg.globalID({ description: 'Only events of this run.' }),
      after: t.arg.string({ description: 'Cursor of the last event the client saw; replay from there.' }),
    },
    subscribe: (_root, args, { services, em }) => {
      const after = parseEventCursor(args.after);
      const accept = (event: PipelineExecutionEvent) =>
        (!args.flowId || event.flowId === args.flowId.id) &&
        (!args.executionId || event.executionId === args.executionId.id);
      const live = liveTopics(services.pubsub).subscribe('execution', accept);
      if (after === null) return live;
      const where = {
        ...(args.flowId && { flowId: args.flowId.id }),
        ...(args.executionId && { executionId: args.executionId.id }),
      };
      return replayThenLive<PipelineExecutionEvent, ReplayUnavailable>({
        live,
        accept,
        replay: () => storedEventsAfter(em, after, where),
        keyOf: (item) => (item instanceof ReplayUnavailable ? undefined : item.cursor),
      });
    },
    resolve: (event) => event,
  }),
}));

/**
 * A saved step's stored config, its template's below its own (both sealed as stored). A step not
 * saved yet (or saved as another type) has none: its placeholders then stand for nothing.
 */
async function savedStepConfig(
  em: GraphQLContext['em'],
  flowId: string,
  stepKey: string,
  type: string,
): Promise<Record<string, unknown> | undefined> {
  const step = await em.findOne(FlowStep, { flow: flowId, key: stepKey }, { populate: ['actionTemplate'] });
  if (!step || step.type !== type) return undefined;
  return { ...(step.actionTemplate?.config ?? {}), ...step.config };
}
