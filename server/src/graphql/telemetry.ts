import { z } from 'zod';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { NotFoundError } from '../flows/errors.js';
import {
  METRIC_PATTERN,
  TelemetryBatchError,
  type LatestValue,
  type MetricPreview,
} from '../telemetry/index.js';
import type { TelemetryRuntime } from '../telemetry/runtime.js';
import { builder } from './builder.js';
import { GatewayNodeRef } from './home.js';
import { InputValidationError } from './input-validation.js';

/**
 * Clients may name a node by name, raw id or the GatewayNode global ID the API hands out; the intake
 * knows names and raw ids, so global IDs are unwrapped here.
 */
function nodeRef(telemetry: TelemetryRuntime, ref: unknown): unknown {
  if (typeof ref !== 'string' || telemetry.nodes.find(ref)) return ref;
  try {
    const { typename, id } = decodeGlobalID(ref);
    return typename === 'GatewayNode' ? id : ref;
  } catch {
    return ref; // not a global ID: the intake reports the unknown node
  }
}

const ReadingFieldEnum = builder.enumType('ReadingField', {
  description: 'The part of a reading a rejection is about.',
  values: {
    READING: { value: 'reading', description: 'The entry as a whole (not an object).' },
    NODE: { value: 'node', description: 'The node reference (unknown, or missing).' },
    METRIC: { value: 'metric', description: 'The metric name.' },
    VALUE: { value: 'value', description: 'The value (not a finite number, boolean or numeric string).' },
    TIMESTAMP: {
      value: 'timestamp',
      description: 'The timestamp (malformed, before 2000, or in the future).',
    },
  } as const,
});

const ReadingInput = builder.inputType('ReadingInput', {
  description:
    'One telemetry reading. Fields are checked per reading (so they are nullable here, and `value` and `timestamp` are JSON): a bad or missing one rejects only this reading, not the batch.',
  fields: (t) => ({
    node: t.string({ description: 'Node name, id or global ID (required).' }),
    metric: t.string({
      description: 'Metric name (required): 1–64 letters, digits, `_`, `.`, `:` or `-`, e.g. `temperature`.',
    }),
    value: t.field({
      type: 'JSON',
      description: 'The value (required): a number, a boolean (stored as 1/0) or a numeric string.',
    }),
    timestamp: t.field({
      type: 'JSON',
      description:
        'When it was measured: ISO 8601 with a time zone, or epoch milliseconds. Defaults to arrival time; at most 5 minutes ahead.',
    }),
  }),
});

const ReadingRejectionRef = builder.simpleObject('ReadingRejection', {
  description: 'A reading that was not stored, and why. The rest of its batch was.',
  fields: (t) => ({
    index: t.int({ description: 'Position of the reading in the batch, from 0.' }),
    field: t.field({ type: ReadingFieldEnum, description: 'The part that is wrong.' }),
    reason: t.string({ description: 'What is wrong, in words for a person.' }),
  }),
});

const IngestResultRef = builder.simpleObject('IngestTelemetryResult', {
  description: 'What happened to a batch of readings.',
  fields: (t) => ({
    accepted: t.int({ description: 'Readings stored.' }),
    rejected: t.field({ type: [ReadingRejectionRef], description: 'Readings refused, one by one.' }),
    registered: t.stringList({
      description: 'Names of nodes this batch created (only with KINFLOW_TELEMETRY_AUTO_REGISTER).',
    }),
  }),
});

export const TelemetryValueRef = builder.objectRef<LatestValue>('TelemetryValue').implement({
  description: 'A value of one metric of one node.',
  fields: (t) => ({
    nodeId: t.id({
      description: 'Global ID of the node.',
      resolve: (v) => encodeGlobalID('GatewayNode', v.nodeId),
    }),
    nodeName: t.string({
      nullable: true,
      description: 'Name of the node (null if it was deleted meanwhile).',
      resolve: (v, _args, { services }) => services.telemetry.nodes.find(v.nodeId)?.name ?? null,
    }),
    metric: t.exposeString('metric', { description: 'Metric name.' }),
    value: t.exposeFloat('value', { description: 'The value (booleans as 1/0).' }),
    recordedAt: t.expose('recordedAt', { type: 'DateTime', description: 'When it was measured.' }),
  }),
});

const StatsFields = {
  count: 'Values in the retained window (up to 24 h, 500 per node).',
  min: 'Smallest value in the window.',
  max: 'Largest value in the window.',
  avg: 'Mean of the window.',
} as const;

type NodeSummary = NonNullable<MetricPreview['nodes']>[number];

const NodeMetricSummaryRef = builder.objectRef<NodeSummary>('NodeMetricSummary').implement({
  description: 'One node’s figures in an any-node metric preview.',
  fields: (t) => ({
    nodeId: t.id({
      description: 'Global ID of the node.',
      resolve: (s) => encodeGlobalID('GatewayNode', s.nodeId),
    }),
    latest: t.field({
      type: TelemetryValueRef,
      nullable: true,
      description: 'Its newest value.',
      resolve: (s) => s.latest,
    }),
    count: t.exposeInt('count', { description: StatsFields.count }),
    min: t.exposeFloat('min', { nullable: true, description: StatsFields.min }),
    max: t.exposeFloat('max', { nullable: true, description: StatsFields.max }),
    avg: t.exposeFloat('avg', { nullable: true, description: StatsFields.avg }),
  }),
});

const MetricPreviewRef = builder.objectRef<MetricPreview>('MetricPreview').implement({
  description:
    'Recent values of a metric with min/max/avg, to choose a threshold for a condition (HALO metric preview).',
  fields: (t) => ({
    metric: t.exposeString('metric', { description: 'Metric name.' }),
    nodeId: t.id({
      nullable: true,
      description: 'Global ID of the node; null for the any-node preview.',
      resolve: (p) => (p.nodeId === null ? null : encodeGlobalID('GatewayNode', p.nodeId)),
    }),
    latest: t.field({
      type: TelemetryValueRef,
      nullable: true,
      description: 'The newest value (of any node for the any-node preview).',
      resolve: (p) => p.latest,
    }),
    values: t.field({
      type: [TelemetryValueRef],
      description: 'The newest values, oldest first. Stats cover the whole window, not just these.',
      resolve: (p) => p.values.map((v) => ({ ...v, metric: p.metric })),
    }),
    count: t.exposeInt('count', { description: StatsFields.count }),
    min: t.exposeFloat('min', { nullable: true, description: StatsFields.min }),
    max: t.exposeFloat('max', { nullable: true, description: StatsFields.max }),
    avg: t.exposeFloat('avg', { nullable: true, description: StatsFields.avg }),
    nodes: t.field({
      type: [NodeMetricSummaryRef],
      nullable: true,
      description: 'Per node figures (any-node preview only).',
      resolve: (p) => p.nodes ?? null,
    }),
  }),
});

const NodeEventAcceptedRef = builder.simpleObject('NodeEventAccepted', {
  description: 'A node event handed to node_event triggers.',
  fields: (t) => ({
    nodeId: t.id({ description: 'Global ID of the node.' }),
    nodeName: t.string({ description: 'Name of the node.' }),
    name: t.string({ description: 'Event name.' }),
    at: t.field({ type: 'DateTime', description: 'When it was received.' }),
  }),
});

builder.objectField(GatewayNodeRef, 'latestTelemetry', (t) =>
  t.field({
    type: [TelemetryValueRef],
    description: 'The newest value of each metric the node reported, by metric name.',
    resolve: (node, _args, { services }) =>
      services.telemetry.store.latestForNode(node.id).sort((a, b) => a.metric.localeCompare(b.metric)),
  }),
);

/** Resolves an optional node reference for queries: undefined = any node; throws NotFound when unknown. */
function nodeIdOf(telemetry: TelemetryRuntime, ref: string | null | undefined): string | null {
  if (ref === null || ref === undefined || ref === '') return null;
  const node = telemetry.nodes.find(String(nodeRef(telemetry, ref)));
  if (!node) throw new NotFoundError('node', ref);
  return node.id;
}

builder.queryFields((t) => ({
  metricPreview: t.field({
    type: MetricPreviewRef,
    description:
      'Recent values of a metric for one node (or every node when `node` is left out), with min/max/avg.',
    authScopes: { read: true },
    errors: {
      types: [NotFoundError, InputValidationError],
      // Generated query wrappers get no description otherwise (only mutation ones are filled in).
      result: { description: 'Success of `metricPreview`: the preview.' },
      dataField: { description: 'The preview.' },
    },
    args: {
      node: t.arg.string({ description: 'Node name, id or global ID; leave out for every node.' }),
      metric: t.arg.string({ required: true, description: 'Metric name.' }),
      limit: t.arg.int({
        description: 'How many values to return (1–500); 100 by default.',
        validate: z.number().int().min(1).max(500),
      }),
    },
    resolve: (_root, { node, metric, limit }, { services }) => {
      if (!METRIC_PATTERN.test(metric))
        throw new InputValidationError([{ path: ['metric'], message: 'not a valid metric name' }]);
      const nodeId = nodeIdOf(services.telemetry, node);
      return services.telemetry.store.preview(nodeId, metric, { limit: limit ?? 100 });
    },
  }),
  latestTelemetry: t.field({
    type: [TelemetryValueRef],
    description: 'Current values: the newest value per node and metric, filtered by node and/or metric.',
    authScopes: { read: true },
    args: {
      node: t.arg.string({ description: 'Node name, id or global ID; an unknown node has no values.' }),
      metric: t.arg.string({ description: 'Metric name.' }),
    },
    resolve: (_root, { node, metric }, { services }) => {
      const { store } = services.telemetry;
      let nodeId: string | null;
      try {
        nodeId = nodeIdOf(services.telemetry, node);
      } catch {
        return [];
      }
      let values: LatestValue[];
      if (nodeId !== null) values = store.latestForNode(nodeId).filter((v) => !metric || v.metric === metric);
      else if (metric) values = store.latestForMetric(metric);
      else values = store.metrics().flatMap((m) => store.latestForMetric(m));
      return values.sort((a, b) => a.metric.localeCompare(b.metric) || a.nodeId.localeCompare(b.nodeId));
    },
  }),
  telemetryMetrics: t.stringList({
    description: 'Metric names with at least one value, sorted: what a sensor trigger can watch.',
    authScopes: { read: true },
    resolve: (_root, _args, { services }) => services.telemetry.store.metrics(),
  }),
}));

builder.mutationFields((t) => ({
  ingestTelemetry: t.field({
    type: IngestResultRef,
    description:
      'Stores a batch of readings (at most 10,000). Bad readings are rejected one by one with a reason; the rest are kept. Same intake as REST POST /v1/telemetry and MQTT.',
    authScopes: { ingest: true },
    errors: { types: [InputValidationError] },
    args: {
      readings: t.arg({ type: [ReadingInput], required: true, description: 'The readings.' }),
    },
    resolve: async (_root, { readings }, { services }) => {
      const { telemetry } = services;
      const batch = readings.map((r) => ({ ...r, node: nodeRef(telemetry, r.node) }));
      try {
        const result = await telemetry.intake.ingest(batch);
        return { ...result, registered: result.registered.map((n) => n.name) };
      } catch (error) {
        if (error instanceof TelemetryBatchError)
          throw new InputValidationError([{ path: ['readings'], message: error.message }]);
        throw error;
      }
    },
  }),
  postNodeEvent: t.field({
    type: NodeEventAcceptedRef,
    description:
      'Posts a custom node event (e.g. a button press) for node_event triggers; also counts as a heartbeat.',
    authScopes: { ingest: true },
    errors: { types: [NotFoundError, InputValidationError] },
    args: {
      node: t.arg.string({ required: true, description: 'Node name, id or global ID.' }),
      name: t.arg.string({
        required: true,
        description: 'Event name: 1–64 letters, digits, `_`, `.`, `:` or `-`.',
      }),
      data: t.arg({
        type: 'JSON',
        description: 'Event payload, available to the flow as `trigger.payload`.',
      }),
    },
    resolve: async (_root, { node, name, data }, { services }) => {
      const { telemetry } = services;
      const ref = nodeRef(telemetry, node) as string;
      const result = await telemetry.intake.nodeEvent({ node: ref, name, payload: data ?? null });
      if (!result.ok) {
        if (result.field === 'node') throw new NotFoundError('node', node);
        throw new InputValidationError([{ path: [result.field], message: result.reason }]);
      }
      const { event } = result;
      return {
        nodeId: encodeGlobalID('GatewayNode', event.node.id),
        nodeName: event.node.name,
        name: event.name,
        at: event.at,
      };
    },
  }),
}));
