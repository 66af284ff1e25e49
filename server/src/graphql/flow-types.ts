import { readableWith } from './own-results.js';
import { ERROR_STRATEGIES, FlowActionTemplate, RUN_MODES } from '../db/entities/index.js';
import { ActionTemplateRef } from './action-templates.js';
import { builder } from './builder.js';
import {
  edgesById,
  edgesOfFlows,
  flowsById,
  stepCountsOfFlows,
  stepsById,
  stepsOfFlows,
  type FlowEdgeRow,
  type FlowRow,
  type FlowStepRow,
} from './flow-read-model.js';
import { shownConfig, shownResolvedConfig } from './shown-config.js';
import { StepTypeRef } from './step-types.js';

export const ErrorStrategyEnum = builder.enumType('ErrorStrategy', {
  description: 'What happens when a step fails.',
  values: Object.fromEntries(
    ERROR_STRATEGIES.map((value) => [
      value.toUpperCase(),
      {
        value,
        description: {
          stop: 'Fail the run (default).',
          skip: 'Record the error and continue.',
          retry:
            'Retry with exponential backoff (1 s, 2 s, 4 s … capped at 30 s) up to `retryAttempts` times.',
        }[value],
      },
    ]),
  ),
});

export const RunModeEnum = builder.enumType('RunMode', {
  description: 'What happens when a flow is triggered while a run of it is still going.',
  values: Object.fromEntries(
    RUN_MODES.map((value) => [
      value.toUpperCase(),
      {
        value,
        description: {
          parallel: 'Start another run (up to `maxConcurrentRuns`).',
          queued: 'Start it when the earlier runs finish.',
          single: 'Skip the new trigger.',
        }[value],
      },
    ]),
  ),
});

const PositionRef = builder.simpleObject('CanvasPosition', {
  description: 'Where a step sits on the canvas.',
  fields: (t) => ({ x: t.float({ description: 'Horizontal.' }), y: t.float({ description: 'Vertical.' }) }),
});

// Lists and lookups resolve plain rows (flow-read-model.ts); mutations return the saved entity.
export const FlowRef = builder.node(builder.objectRef<FlowRow>('Flow'), {
  description: 'A flow: a trigger leading through conditions to actions, drawn on the canvas.',
  id: { resolve: (flow) => flow.id },
  authScopes: readableWith({ read: true }),
  // Checked once per flow rather than on each of its fields (a page holds thousands of fields).
  runScopesOnType: true,
  loadMany: (ids, context) => flowsById(context.em, ids as string[]),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique name; `trigger_flow` can refer to it.' }),
    description: t.exposeString('description', { description: 'What the flow is for.' }),
    enabled: t.exposeBoolean('enabled', { description: 'Disabled flows are never triggered.' }),
    version: t.exposeInt('version', {
      description:
        'Bumped on every graph change; pass it as `expectedVersion` when saving so stale edits are refused.',
    }),
    defaultStepTimeoutMs: t.exposeInt('defaultStepTimeoutMs', {
      description: 'Timeout for steps that set none.',
    }),
    maxExecutions: t.exposeInt('maxExecutions', {
      description: 'How many past runs are kept; older ones are pruned.',
    }),
    cooloffMinutes: t.exposeInt('cooloffMinutes', {
      description: 'After a run that did something, further triggers are ignored for this long.',
    }),
    runMode: t.expose('runMode', {
      type: RunModeEnum,
      description: 'Behaviour when triggered while running.',
    }),
    maxConcurrentRuns: t.exposeInt('maxConcurrentRuns', { description: 'Cap on simultaneous runs.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the flow was created.' }),
    updatedAt: t.expose('updatedAt', {
      type: 'DateTime',
      description:
        'When the flow was last saved (settings or graph; moving steps on the canvas is layout and does not count).',
    }),
    updatedBy: t.string({
      nullable: true,
      description:
        'Who saved the flow last: a person’s name, or an API key’s name followed by "(API key)". Null when the server saved it (demo data) or it was last saved before this was recorded.',
      resolve: (flow) => flow.updatedBy ?? null,
    }),
    steps: t.loadableList({
      type: FlowStepRef,
      description: 'The steps (nodes) of the flow.',
      load: (flowIds: string[], { em }) => stepsOfFlows(em, flowIds),
      resolve: (flow) => flow.id,
    }),
    stepCount: t.loadable({
      type: 'Int',
      description: 'How many steps the flow has.',
      load: (flowIds: string[], { em }) => stepCountsOfFlows(em, flowIds),
      resolve: (flow) => flow.id,
    }),
    edges: t.loadableList({
      type: FlowEdgeRef,
      description: 'The connections between steps.',
      load: (flowIds: string[], { em }) => edgesOfFlows(em, flowIds),
      resolve: (flow) => flow.id,
    }),
  }),
});

export const FlowStepRef = builder.node(builder.objectRef<FlowStepRow>('FlowStep'), {
  description: 'A step (node) of a flow.',
  id: { resolve: (step) => step.id },
  authScopes: { read: true },
  runScopesOnType: true,
  loadMany: (ids, context) => stepsById(context.em, ids as string[]),
  fields: (t) => ({
    key: t.exposeString('key', {
      description: 'Stable key, unique in the flow; templates use `steps.<key>.output`.',
    }),
    type: t.exposeString('type', { description: 'Step type, see `stepTypes`.' }),
    stepType: t.field({
      type: StepTypeRef,
      nullable: true,
      description: 'Metadata of the step type (null if the type is no longer installed).',
      resolve: (step, _args, { services }) => services.registry.get(step.type) ?? null,
    }),
    config: t.field({
      type: 'JSONObject',
      description:
        'Configuration, valid against the type’s schema. Fields that refer to a node, flow or tablet hold its global ID (saves also accept the unique name). Secret fields (writeOnly in the schema, credential headers) read as {"$secret":"set"}; sending that back keeps the stored value.',
      resolve: (step, _args, { services }) => shownConfig(services.registry, step.type, step.config),
    }),
    label: t.exposeString('label', { description: 'Label on the canvas.' }),
    position: t.field({
      type: PositionRef,
      description: 'Canvas position.',
      resolve: (step) => ({ x: step.positionX, y: step.positionY }),
    }),
    enabled: t.exposeBoolean('enabled', { description: 'Disabled steps are passed over.' }),
    onError: t.expose('onError', {
      type: ErrorStrategyEnum,
      description: 'What happens when the step fails.',
    }),
    retryAttempts: t.exposeInt('retryAttempts', { description: 'Attempts when `onError` is RETRY.' }),
    timeoutMs: t.exposeInt('timeoutMs', {
      nullable: true,
      description: 'Step timeout; the flow default when null.',
    }),
    actionTemplate: t.loadable({
      type: ActionTemplateRef,
      nullable: true,
      description: 'Action template this step overrides; `config` then holds only the overrides.',
      load: async (ids: string[], { em }) => {
        const templates = await em.find(FlowActionTemplate, { id: { $in: ids } });
        return ids.map((id) => templates.find((template) => template.id === id) ?? null);
      },
      resolve: (step) => step.actionTemplateId,
    }),
    hasWebhookUrl: t.boolean({
      nullable: true,
      description:
        'For a `webhook` trigger: whether its secret URL has been issued (see `issueWebhookUrl`); null for other types.',
      resolve: (step, _args, { services }) =>
        step.type === 'webhook' ? services.triggers.webhooks.hasToken(step.flowId, step.key) : null,
    }),
    resolvedConfig: t.field({
      type: 'JSONObject',
      description: 'The config that runs: the template’s config with this step’s overrides on top.',
      resolve: (step, _args, { services }) =>
        shownResolvedConfig(services.registry, step.type, step.config, step.templateConfig),
    }),
  }),
});

export const FlowEdgeRef = builder.node(builder.objectRef<FlowEdgeRow>('FlowEdge'), {
  description: 'A connection from a port of one step to another step.',
  id: { resolve: (edge) => edge.id },
  authScopes: { read: true },
  runScopesOnType: true,
  loadMany: (ids, context) => edgesById(context.em, ids as string[]),
  fields: (t) => ({
    source: t.exposeString('source', { description: 'Key of the source step.' }),
    sourcePort: t.exposeString('sourcePort', {
      description: 'Port of the source step the edge leaves from.',
    }),
    target: t.exposeString('target', { description: 'Key of the target step.' }),
  }),
});
