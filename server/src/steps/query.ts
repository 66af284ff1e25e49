import { z } from 'zod';
import { actionServices, type ActionNode, type NodeSelector } from '../actions/services.js';
import { ALERT_LEVELS, EXECUTION_STATUSES, NODE_STATUSES } from '../db/entities/index.js';
import { engineServices } from '../engine/services.js';
import { kinflowReads } from '../queries/reads.js';
import type { LatestValue } from '../telemetry/preview.js';
import { defineStepType, MAIN_PORT, type StepContext } from './step-type.js';

export const QUERY_SOURCES = ['nodes', 'telemetry', 'alerts', 'runs', 'variables'] as const;
type Source = (typeof QUERY_SOURCES)[number];
const MAX_WINDOW_MINUTES = 60 * 24 * 31;

/** Which fields mean something for which source; any other field given is refused at save time. */
const FIELDS_OF: Record<Source, string[]> = {
  nodes: ['selector'],
  telemetry: ['selector', 'metric', 'mode', 'windowMinutes'],
  alerts: ['levels', 'acknowledged', 'windowMinutes', 'flowName'],
  runs: ['statuses', 'windowMinutes', 'flowName'],
  variables: ['scope', 'keys'],
};
const SOURCE_FIELDS = new Set(Object.values(FIELDS_OF).flat());

const configSchema = z
  .object({
    source: z
      .enum(QUERY_SOURCES)
      .describe(
        'What to read: nodes, telemetry (latest values or history with min/max/avg), alerts, runs of a flow, or variables',
      ),
    limit: z.number().int().min(1).max(500).default(50).describe('At most this many items in the output'),
    selector: z
      .object({
        ids: z.array(z.string()).max(500).optional().describe('Only these nodes (names or ids)'),
        tags: z.array(z.string()).max(50).optional().describe('Nodes carrying every one of these tags'),
        kind: z.string().optional().describe('Only nodes of this kind, e.g. gateway or sensor'),
        status: z.enum(NODE_STATUSES).optional().describe('Only nodes in this status'),
      })
      .strict()
      .optional()
      .describe('nodes, telemetry: which nodes; every criterion given must match, none means all'),
    metric: z.string().min(1).max(200).optional().describe('telemetry: the metric, e.g. temperature'),
    mode: z
      .enum(['latest', 'history'])
      .optional()
      .describe('telemetry: the latest value per node, or the samples of the window (default latest)'),
    windowMinutes: z
      .number()
      .positive()
      .max(MAX_WINDOW_MINUTES)
      .optional()
      .describe(
        'Only the last N minutes: telemetry history (default 60) or latest values no older than this, alerts, runs',
      ),
    levels: z.array(z.enum(ALERT_LEVELS)).min(1).optional().describe('alerts: only these levels'),
    acknowledged: z
      .boolean()
      .optional()
      .describe('alerts: true for acknowledged ones only, false for open ones only; both when empty'),
    flowName: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('runs: whose runs (this flow when empty); alerts: only alerts raised by that flow'),
    statuses: z
      .array(z.enum(EXECUTION_STATUSES))
      .min(1)
      .optional()
      .describe('runs: only runs in these statuses'),
    scope: z
      .enum(['flow', 'global'])
      .optional()
      .describe('variables: this flow’s (default) or the global ones'),
    keys: z.array(z.string().min(1)).max(100).optional().describe('variables: only these keys'),
  })
  .strict()
  .superRefine((config, issues) => {
    const allowed = new Set(FIELDS_OF[config.source]);
    for (const field of SOURCE_FIELDS) {
      if (!allowed.has(field) && config[field as keyof typeof config] !== undefined) {
        const sources = QUERY_SOURCES.filter((source) => FIELDS_OF[source].includes(field)).join(', ');
        issues.addIssue({
          code: 'custom',
          path: [field],
          message: `applies to source ${sources}, not ${config.source}`,
        });
      }
    }
    if (config.source === 'telemetry' && !config.metric) {
      issues.addIssue({ code: 'custom', path: ['metric'], message: 'name the metric to read' });
    }
  });

type Config = z.output<typeof configSchema>;
type Output = Record<string, unknown>;

export default defineStepType({
  type: 'query',
  category: 'action',
  title: 'Query Kinflow',
  description:
    'Reads Kinflow’s own data — nodes, telemetry (latest or history with min/max/avg), alerts, runs of a flow, variables — and outputs count, items and (for telemetry) min, max, avg for a following condition. Read-only.',
  configSchema,
  configVersion: 1,
  ports: [MAIN_PORT],
  references: [
    { path: 'selector.ids[]', entity: 'node' },
    { path: 'flowName', entity: 'flow', form: 'name' },
  ],
  writes: (config) => [
    'count',
    'items',
    'truncated',
    ...(config.source === 'telemetry' ? ['min', 'max', 'avg', 'latest'] : []),
    ...(config.source === 'variables' ? ['values'] : []),
  ],
  run: async (context) => {
    const { config } = context;
    switch (config.source) {
      case 'nodes':
        return { output: await queryNodes(context) };
      case 'telemetry':
        return { output: await queryTelemetry(context) };
      case 'alerts':
        return { output: queryAlerts(context) };
      case 'runs':
        return { output: queryRuns(context) };
      case 'variables':
        return { output: queryVariables(context) };
    }
  },
});

const since = (context: StepContext<Config>, minutes: number | undefined) =>
  minutes === undefined ? undefined : new Date(context.now().getTime() - minutes * 60_000);

const page = <T>(items: T[], limit: number, total = items.length) => ({
  count: total,
  items: items.slice(0, limit),
  truncated: total > Math.min(items.length, limit),
});

/** A node as a flow may read it: SSH details are left out altogether. */
const readableNode = (node: ActionNode) => ({
  id: node.id,
  name: node.name,
  kind: node.kind,
  tags: node.tags,
  status: node.status,
  lastSeenAt: node.lastSeenAt,
  metadata: node.metadata,
});

async function queryNodes(context: StepContext<Config>): Promise<Output> {
  const nodes = await actionServices(context).nodes.select((context.config.selector ?? {}) as NodeSelector);
  return { source: 'nodes', ...page(nodes.map(readableNode), context.config.limit) };
}

async function queryTelemetry(context: StepContext<Config>): Promise<Output> {
  const { config } = context;
  const metric = config.metric!;
  const reads = kinflowReads(context);
  const nodes = await actionServices(context).nodes.select((config.selector ?? {}) as NodeSelector);
  const names = new Map(nodes.map((node) => [node.id, node.name]));
  const history = config.mode === 'history';
  const from = since(context, config.windowMinutes ?? (history ? 60 : undefined));
  const previews = nodes.map((node) =>
    reads.telemetry(node.id, metric, { limit: config.limit, ...(from && { since: from }) }),
  );
  const label = (value: { nodeId: string; value: number; recordedAt: Date }) => ({
    nodeId: value.nodeId,
    nodeName: names.get(value.nodeId) ?? null,
    metric,
    value: value.value,
    recordedAt: value.recordedAt.toISOString(),
  });
  const latestValues = previews
    .map((preview) => preview.latest)
    .filter((latest): latest is LatestValue => !!latest && (!from || latest.recordedAt >= from));
  const newest = latestValues.reduce<LatestValue | null>(
    (best, value) => (!best || value.recordedAt > best.recordedAt ? value : best),
    null,
  );
  if (!history) {
    const values = latestValues.map((latest) => latest.value);
    latestValues.sort((a, b) => b.recordedAt.getTime() - a.recordedAt.getTime());
    return {
      source: 'telemetry',
      mode: 'latest',
      ...page(latestValues.map(label), config.limit),
      ...statsOf(values),
      latest: newest ? label(newest) : null,
    };
  }
  // Stats cover the whole window of every node; items are the newest `limit` samples, oldest first.
  let count = 0;
  let sum = 0;
  let min: number | null = null;
  let max: number | null = null;
  for (const preview of previews) {
    if (preview.count === 0) continue;
    count += preview.count;
    sum += preview.avg! * preview.count;
    min = min === null ? preview.min : Math.min(min, preview.min!);
    max = max === null ? preview.max : Math.max(max, preview.max!);
  }
  const samples = previews
    .flatMap((preview) => preview.values)
    .sort((a, b) => a.recordedAt.getTime() - b.recordedAt.getTime())
    .slice(-config.limit);
  return {
    source: 'telemetry',
    mode: 'history',
    window: { since: from!.toISOString(), until: context.now().toISOString() },
    count,
    items: samples.map(label),
    truncated: count > samples.length,
    min,
    max,
    avg: count === 0 ? null : sum / count,
    latest: newest ? label(newest) : null,
  };
}

function statsOf(values: number[]) {
  if (values.length === 0) return { min: null, max: null, avg: null };
  return {
    min: Math.min(...values),
    max: Math.max(...values),
    avg: values.reduce((a, b) => a + b, 0) / values.length,
  };
}

function flowIdOf(context: StepContext<Config>, flowName: string | undefined): string | undefined {
  if (!flowName) return undefined;
  const id = kinflowReads(context).flowIdByName(flowName);
  if (!id)
    throw Object.assign(new Error(`flowName: no flow is named "${flowName}"`), { code: 'flow_not_found' });
  return id;
}

function queryAlerts(context: StepContext<Config>): Output {
  const { config } = context;
  const flowId = flowIdOf(context, config.flowName);
  const from = since(context, config.windowMinutes);
  const { rows, total } = kinflowReads(context).alerts({
    limit: config.limit,
    ...(config.levels && { levels: config.levels }),
    ...(config.acknowledged !== undefined && { acknowledged: config.acknowledged }),
    ...(from && { since: from }),
    ...(flowId && { flowId }),
  });
  return { source: 'alerts', ...page(rows, config.limit, total) };
}

function queryRuns(context: StepContext<Config>): Output {
  const { config, execution } = context;
  const flowId = flowIdOf(context, config.flowName) ?? execution.flowId;
  if (!flowId) {
    throw Object.assign(
      new Error('flowName: name the flow whose runs to read (a test has no flow of its own)'),
      {
        code: 'invalid_config',
      },
    );
  }
  const from = since(context, config.windowMinutes);
  const { rows, total } = kinflowReads(context).runs({
    flowId,
    limit: config.limit,
    excludeId: execution.id,
    ...(config.statuses && { statuses: config.statuses }),
    ...(from && { since: from }),
  });
  return { source: 'runs', ...page(rows, config.limit, total) };
}

function queryVariables(context: StepContext<Config>): Output {
  const { config } = context;
  const scope = config.scope ?? 'flow';
  const wanted = config.keys && new Set(config.keys);
  const entries = engineServices(context)
    .variables.list(scope)
    .filter((entry) => !wanted || wanted.has(entry.key));
  const shown = entries.slice(0, config.limit);
  return {
    source: 'variables',
    scope,
    ...page(
      shown.map((entry) => ({ ...entry, scope })),
      config.limit,
      entries.length,
    ),
    values: Object.fromEntries(shown.map((entry) => [entry.key, entry.value])),
  };
}
