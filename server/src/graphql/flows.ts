import { boundedJson, boundedList, FLOW_LIMITS } from './input-limits.js';
import { ownResult } from './own-results.js';
import { encodeGlobalID, resolveOffsetConnection } from '@pothos/plugin-relay';
import { z } from 'zod';
import { FlowValidationError, NotFoundError } from '../flows/errors.js';
import type { GraphInput, StepInput } from '../flows/service.js';
import { authorOf } from './author.js';
import { builder } from './builder.js';
import { InputValidationError } from './input-validation.js';
import { FLOW_WRITE_ERRORS, ValidationIssueRef } from './errors.js';
import { ErrorStrategyEnum, FlowRef, RunModeEnum } from './flow-types.js';
import { countFlows, flowsById, flowsPage } from './flow-read-model.js';

const PositionInput = builder.inputType('CanvasPositionInput', {
  description: 'A canvas position.',
  fields: (t) => ({
    x: t.float({ required: true, description: 'Horizontal.' }),
    y: t.float({ required: true, description: 'Vertical.' }),
  }),
});

const StepInputRef = builder.inputType('FlowStepInput', {
  description:
    'A step to create or update. Steps are matched by `key`; pass `id` to rename an existing step.',
  fields: (t) => ({
    id: t.globalID({ description: 'Global ID of an existing step, when changing its key.' }),
    key: t.string({
      required: true,
      description: 'Stable key: a letter or _, then letters, digits or _ (at most 64).',
      validate: z.string().max(FLOW_LIMITS.keyLength),
    }),
    type: t.string({ required: true, description: 'Step type, see `stepTypes`.' }),
    config: t.field({
      type: 'JSONObject',
      description: 'Configuration; validated against the type’s schema. Defaults apply (at most 64 KiB).',
      validate: boundedJson(FLOW_LIMITS.configBytes),
    }),
    label: t.string({
      description: 'Label on the canvas (at most 200 characters).',
      validate: z.string().max(FLOW_LIMITS.labelLength),
    }),
    position: t.field({ type: PositionInput, description: 'Canvas position.' }),
    enabled: t.boolean({ description: 'Defaults to true.' }),
    onError: t.field({ type: ErrorStrategyEnum, description: 'Defaults to STOP.' }),
    retryAttempts: t.int({
      description: 'Attempts for RETRY (1–10).',
      validate: z.number().int().min(1).max(10),
    }),
    actionTemplateId: t.globalID({
      description: 'Action template this step overrides (its `config` holds the overrides); null clears it.',
    }),
    timeoutMs: t.int({
      description: 'Step timeout in ms (100–3,600,000).',
      validate: z.number().int().min(100).max(3_600_000),
    }),
  }),
});

const EdgeInputRef = builder.inputType('FlowEdgeInput', {
  description: 'A connection between two steps, by step key.',
  fields: (t) => ({
    source: t.string({ required: true, description: 'Key of the source step.' }),
    sourcePort: t.string({
      defaultValue: 'main',
      description: 'Port of the source step; `main` by default.',
    }),
    target: t.string({ required: true, description: 'Key of the target step.' }),
  }),
});

const CreateFlowInput = builder.inputType('CreateFlowInput', {
  description: 'A new flow, optionally with its whole graph.',
  fields: (t) => ({
    name: t.string({
      required: true,
      description: 'Unique name.',
      validate: z.string().trim().min(1).max(120),
    }),
    description: t.string({ description: 'What the flow is for.', validate: z.string().max(2000) }),
    enabled: t.boolean({ description: 'Defaults to true.' }),
    defaultStepTimeoutMs: t.int({
      description: 'Default step timeout (ms).',
      validate: z.number().int().min(100).max(3_600_000),
    }),
    maxExecutions: t.int({
      description: 'Runs kept (1–100,000).',
      validate: z.number().int().min(1).max(100_000),
    }),
    cooloffMinutes: t.int({
      description: 'Cool-off after a run that acted.',
      validate: z.number().int().min(0).max(10_080),
    }),
    runMode: t.field({ type: RunModeEnum, description: 'Defaults to PARALLEL.' }),
    maxConcurrentRuns: t.int({
      description: 'Cap on simultaneous runs (1–1,000).',
      validate: z.number().int().min(1).max(1000),
    }),
    steps: t.field({
      type: [StepInputRef],
      description: 'Steps of the new flow (at most 500).',
      validate: boundedList(FLOW_LIMITS.stepsPerFlow, 'steps'),
    }),
    edges: t.field({
      type: [EdgeInputRef],
      description: 'Edges between those steps (at most 2,000).',
      validate: boundedList(FLOW_LIMITS.edgesPerFlow, 'edges'),
    }),
  }),
});

const UpdateFlowInput = builder.inputType('UpdateFlowInput', {
  description:
    'Changes to a flow. When `steps` is given the whole graph is replaced and `expectedVersion` is required.',
  fields: (t) => ({
    name: t.string({ description: 'Unique name.', validate: z.string().trim().min(1).max(120) }),
    description: t.string({ description: 'What the flow is for.', validate: z.string().max(2000) }),
    enabled: t.boolean({ description: 'Whether the flow can be triggered.' }),
    defaultStepTimeoutMs: t.int({
      description: 'Default step timeout (ms).',
      validate: z.number().int().min(100).max(3_600_000),
    }),
    maxExecutions: t.int({ description: 'Runs kept.', validate: z.number().int().min(1).max(100_000) }),
    cooloffMinutes: t.int({
      description: 'Cool-off after a run that acted.',
      validate: z.number().int().min(0).max(10_080),
    }),
    runMode: t.field({ type: RunModeEnum, description: 'Behaviour when triggered while running.' }),
    maxConcurrentRuns: t.int({
      description: 'Cap on simultaneous runs.',
      validate: z.number().int().min(1).max(1000),
    }),
    expectedVersion: t.int({ description: 'The version your graph change is based on.' }),
    steps: t.field({
      type: [StepInputRef],
      description: 'The complete new list of steps (at most 500).',
      validate: boundedList(FLOW_LIMITS.stepsPerFlow, 'steps'),
    }),
    edges: t.field({
      type: [EdgeInputRef],
      description: 'The complete new list of edges (at most 2,000).',
      validate: boundedList(FLOW_LIMITS.edgesPerFlow, 'edges'),
    }),
  }),
});

type StepArg = {
  id?: { id: string } | null;
  key: string;
  type: string;
  config?: Record<string, unknown> | null;
  label?: string | null;
  position?: { x: number; y: number } | null;
  enabled?: boolean | null;
  onError?: StepInput['onError'];
  retryAttempts?: number | null;
  timeoutMs?: number | null;
  actionTemplateId?: { id: string } | null;
};

const toStepInput = ({ id, position, actionTemplateId, ...rest }: StepArg): StepInput => ({
  ...rest,
  id: id?.id ?? null,
  actionTemplateId: actionTemplateId === undefined ? undefined : (actionTemplateId?.id ?? null),
  positionX: position?.x ?? null,
  positionY: position?.y ?? null,
});

const toEdges = (
  edges: Array<{ source: string; sourcePort?: string | null; target: string }> | null | undefined,
) =>
  (edges ?? []).map((edge) => ({
    source: edge.source,
    sourcePort: edge.sourcePort ?? 'main',
    target: edge.target,
  }));

const nonNull = <T extends object>(values: T) =>
  Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null && value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], null>;
  };

const FlowValidationResult = builder.simpleObject('FlowValidationResult', {
  description: 'Outcome of validating a saved flow.',
  fields: (t) => ({
    valid: t.boolean({ description: 'True when there are no issues.' }),
    issues: t.field({ type: [ValidationIssueRef], description: 'Problems found.' }),
  }),
});

builder.queryFields((t) => ({
  flows: t.connection(
    {
      type: FlowRef,
      description: 'Flows, by name.',
      authScopes: { read: true },
      args: {
        search: t.arg.string({ description: 'Only flows whose name contains this text.' }),
        enabled: t.arg.boolean({ description: 'Only enabled (true) or disabled (false) flows.' }),
      },
      resolve: async (_root, args, { em }) => {
        const filter = { search: args.search, enabled: args.enabled };
        const connection = await resolveOffsetConnection({ args }, (page) => flowsPage(em, filter, page));
        // Counted only when asked for, as for runs: a page of flows does not need it.
        return { ...connection, totalCount: () => countFlows(em, filter) };
      },
    },
    {
      description: 'A page of flows.',
      fields: (c) => ({
        totalCount: c.int({
          description: 'Flows matching the filter, over all pages.',
          resolve: (connection) => (connection as { totalCount: () => Promise<number> }).totalCount(),
        }),
      }),
    },
    { description: 'A flow in a page of flows.' },
  ),
  flow: t.field({
    type: FlowRef,
    nullable: true,
    description: 'One flow by global ID; null when it does not exist.',
    authScopes: { read: true },
    args: { id: t.arg.globalID({ required: true, description: 'Global ID of the flow.' }) },
    resolve: async (_root, { id }, { em }) => (await flowsById(em, [id.id]))[0] ?? null,
  }),
}));

builder.mutationFields((t) => ({
  createFlow: t.field({
    type: FlowRef,
    description:
      'Creates a flow, optionally with steps and edges, validated as a whole. Nothing is written on error.',
    authScopes: { write: true },
    errors: { types: FLOW_WRITE_ERRORS },
    args: { input: t.arg({ type: CreateFlowInput, required: true, description: 'The new flow.' }) },
    resolve: (_root, { input }, context) => {
      const { em, services } = context;
      const { steps, edges, ...settings } = input;
      const graph: GraphInput | undefined =
        steps || edges ? { steps: (steps ?? []).map(toStepInput), edges: toEdges(edges) } : undefined;
      return ownResult(
        context,
        services.flows.create(
          em,
          { ...nonNull(settings), name: settings.name },
          graph,
          authorOf(context.actor),
        ),
      );
    },
  }),
  updateFlow: t.field({
    type: FlowRef,
    description: 'Changes a flow’s settings, and replaces its whole graph when `steps` is given.',
    authScopes: { write: true },
    errors: { types: FLOW_WRITE_ERRORS },
    args: {
      id: t.arg.globalID({ required: true, description: 'Global ID of the flow.' }),
      input: t.arg({ type: UpdateFlowInput, required: true, description: 'The changes.' }),
    },
    resolve: (_root, { id, input }, context) => {
      const { em, services } = context;
      const { steps, edges, expectedVersion, ...settings } = input;
      if ((steps || edges) && (expectedVersion === null || expectedVersion === undefined)) {
        throw new FlowValidationError([
          {
            code: 'invalid_field',
            field: 'input.expectedVersion',
            message: 'expectedVersion is required when steps or edges are given',
          },
        ]);
      }
      const graph =
        steps || edges
          ? {
              steps: (steps ?? []).map(toStepInput),
              edges: toEdges(edges),
              expectedVersion: expectedVersion!,
            }
          : undefined;
      return ownResult(
        context,
        services.flows.update(em, id.id, nonNull(settings), graph, authorOf(context.actor)),
      );
    },
  }),
  deleteFlow: t.field({
    type: 'ID',
    description: 'Deletes a flow with its steps, edges and runs; returns the deleted flow’s global ID.',
    authScopes: { write: true },
    errors: { types: [NotFoundError, InputValidationError] },
    args: { id: t.arg.globalID({ required: true, description: 'Global ID of the flow.' }) },
    resolve: async (_root, { id }, { em, services }) => {
      await services.flows.delete(em, id.id);
      return encodeGlobalID('Flow', id.id);
    },
  }),
  saveFlowSteps: t.field({
    type: FlowRef,
    description:
      'Creates, updates and deletes steps in one versioned save; edges of deleted steps go with them.',
    authScopes: { write: true },
    errors: { types: FLOW_WRITE_ERRORS },
    args: {
      flowId: t.arg.globalID({ required: true, description: 'Global ID of the flow.' }),
      expectedVersion: t.arg.int({ required: true, description: 'The version your change is based on.' }),
      steps: t.arg({
        type: [StepInputRef],
        defaultValue: [],
        description: 'Steps to create or update (at most 500).',
        validate: boundedList(FLOW_LIMITS.stepsPerFlow, 'steps'),
      }),
      deleteKeys: t.arg.stringList({
        defaultValue: [],
        description: 'Keys of steps to delete.',
        validate: boundedList(FLOW_LIMITS.stepsPerFlow, 'keys'),
      }),
    },
    resolve: (_root, args, context) =>
      ownResult(
        context,
        context.services.flows.saveSteps(
          context.em,
          args.flowId.id,
          args.expectedVersion,
          (args.steps ?? []).map(toStepInput),
          args.deleteKeys ?? [],
          authorOf(context.actor),
        ),
      ),
  }),
  saveStepPositions: t.field({
    type: FlowRef,
    description:
      'Stores canvas positions. Layout is not part of the graph, so no version is needed or bumped.',
    authScopes: { write: true },
    errors: { types: FLOW_WRITE_ERRORS },
    args: {
      flowId: t.arg.globalID({ required: true, description: 'Global ID of the flow.' }),
      positions: t.arg({
        type: [
          builder.inputType('StepPositionInput', {
            description: 'A step’s new canvas position.',
            fields: (f) => ({
              key: f.string({ required: true, description: 'Step key.' }),
              x: f.float({ required: true, description: 'Horizontal.' }),
              y: f.float({ required: true, description: 'Vertical.' }),
            }),
          }),
        ],
        required: true,
        description: 'Positions by step key.',
      }),
    },
    resolve: (_root, args, context) =>
      ownResult(context, context.services.flows.savePositions(context.em, args.flowId.id, args.positions)),
  }),
  replaceFlowEdges: t.field({
    type: FlowRef,
    description: 'Replaces all edges of a flow atomically, in one versioned save.',
    authScopes: { write: true },
    errors: { types: FLOW_WRITE_ERRORS },
    args: {
      flowId: t.arg.globalID({ required: true, description: 'Global ID of the flow.' }),
      expectedVersion: t.arg.int({ required: true, description: 'The version your change is based on.' }),
      edges: t.arg({
        type: [EdgeInputRef],
        required: true,
        description: 'The complete new list of edges (at most 2,000).',
        validate: boundedList(FLOW_LIMITS.edgesPerFlow, 'edges'),
      }),
    },
    resolve: (_root, args, context) =>
      ownResult(
        context,
        context.services.flows.replaceEdges(
          context.em,
          args.flowId.id,
          args.expectedVersion,
          toEdges(args.edges),
          authorOf(context.actor),
        ),
      ),
  }),
  validateFlow: t.field({
    type: FlowValidationResult,
    description: 'Checks a saved flow against the current rules (types, configs, ports, edges, expressions).',
    authScopes: { read: true },
    errors: { types: [NotFoundError, InputValidationError] },
    args: { id: t.arg.globalID({ required: true, description: 'Global ID of the flow.' }) },
    resolve: async (_root, { id }, { em, services }) => {
      const issues = (await services.flows.validateSaved(em, id.id)).map((issue) => ({
        stepKey: null,
        field: null,
        ...issue,
      }));
      return { valid: issues.length === 0, issues };
    },
  }),
}));
