import { z } from 'zod';
import { actionServices, type ActionNode } from '../actions/services.js';
import { NODE_STATUSES } from '../db/entities/index.js';
import { renderConfig } from '../engine/expressions/index.js';
import { errorMessage } from '../engine/errors.js';
import { contextVariables } from '../engine/pipeline-data.js';
import {
  defineStepType,
  ERROR_PORT,
  MAIN_PORT,
  type StepContext,
  type StepResult,
  type StepTypeDefinition,
} from './step-type.js';

const TYPE = 'for_each_node';

interface NodeResult {
  nodeId: string;
  nodeName: string;
  ok: boolean;
  output?: Record<string, unknown>;
  error?: string;
}

/** What `{{ node.* }}` renders from: the node without its SSH details. */
function nodeData(node: ActionNode) {
  const { id, name, kind, tags, status, lastSeenAt, metadata } = node;
  return { id, name, kind, tags, status, lastSeenAt, metadata };
}

/** HALO-style single-brace variables for the current node: {node_id} {node_name} {node_kind} … */
function nodeVariables(node: ActionNode): Record<string, unknown> {
  return {
    node_id: node.id,
    node_name: node.name,
    node_kind: node.kind,
    node_status: node.status,
    node_tags: node.tags.join(', '),
  };
}

const configSchema = z
  .object({
    selector: z
      .object({
        ids: z.array(z.string()).max(500).optional().describe('Only these node ids'),
        tags: z.array(z.string()).max(50).optional().describe('Nodes carrying every one of these tags'),
        kind: z.string().optional().describe('Only nodes of this kind, e.g. gateway or sensor'),
        status: z.enum(NODE_STATUSES).optional().describe('Only nodes in this status'),
      })
      .strict()
      .default({})
      .describe('Which nodes to run the action for; every criterion given must match'),
    action: z
      .object({
        type: z.string().min(1).describe('An action step type, e.g. command, webhook_out, http, alert'),
        config: z
          .record(z.string(), z.unknown())
          .default({})
          .describe('Its config; {{ node.name }}, {node_name}, {node_id} … refer to the current node'),
      })
      .strict()
      .describe('The action run once per node'),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(4)
      .describe('How many nodes are worked on at the same time'),
    onNodeError: z
      .enum(['stop', 'continue'])
      .optional()
      .describe(
        'stop: the first failing node fails the step; continue: failures are listed in the output. When empty: continue under the skip error strategy, else stop',
      ),
  })
  .strict()
  .refine((config) => config.action.type !== TYPE, {
    message: 'for_each_node cannot run itself per node',
    path: ['action', 'type'],
  });

type Config = z.output<typeof configSchema>;

export default defineStepType({
  type: TYPE,
  category: 'action',
  title: 'For each node',
  description:
    'Runs an action (command, webhook, alert …) once for every node matching a selector, a few at a time, and lists each node’s result.',
  configSchema,
  // Rendered here, once per node, so {node_name} and {{ node.* }} mean the current node.
  deferredFields: ['action'],
  references: [{ path: 'selector.ids[]', entity: 'node' }],
  ports: [MAIN_PORT, ERROR_PORT],
  writes: () => ['results', 'succeeded', 'failed'],
  run: async (context) => {
    const { config } = context;
    const services = actionServices(context);
    const definition = services.stepTypes.get(config.action.type);
    if (!definition?.run || definition.category !== 'action' || definition.type === TYPE) {
      throw new Error(`"${config.action.type}" is not an action step type that can run per node`);
    }
    const nodes = await services.nodes.select(config.selector);
    const stopOnFailure = onNodeError(context) === 'stop';
    // Stops the nodes still in flight once one failure has decided the step (onNodeError: stop).
    const stop = new AbortController();
    const signal = AbortSignal.any([context.signal, stop.signal]);
    const results: NodeResult[] = new Array<NodeResult>(nodes.length);
    let failure: { node: ActionNode; message: string } | undefined;
    let cooloff = false;
    let next = 0;

    const worker = async () => {
      while (next < nodes.length && !failure && !signal.aborted) {
        const index = next++;
        const node = nodes[index]!;
        try {
          const result = await runForNode(context, config, definition, node, signal);
          if (result.cooloff) cooloff = true;
          const output = result.output ?? {};
          // A step that answers only on its error port (command with a non-zero exit) failed for this node.
          const ok = !(result.ports?.length && result.ports.every((port) => port === 'error'));
          results[index] = { nodeId: node.id, nodeName: node.name, ok, output };
          if (!ok && stopOnFailure) failure ??= { node, message: describeFailure(output) };
        } catch (error) {
          if (failure && signal.aborted) return; // aborted because another node already failed
          results[index] = { nodeId: node.id, nodeName: node.name, ok: false, error: errorMessage(error) };
          if (stopOnFailure) failure ??= { node, message: errorMessage(error) };
        }
        if (failure) stop.abort(new Error('another node failed'));
      }
    };
    await Promise.all(Array.from({ length: Math.min(config.concurrency, nodes.length) }, worker));
    if (context.signal.aborted) throw context.signal.reason;
    if (failure) throw new Error(`node "${failure.node.name}" (${failure.node.id}): ${failure.message}`);
    const done = results.filter(Boolean);
    const succeeded = done.filter((result) => result.ok).length;
    return {
      output: { total: nodes.length, succeeded, failed: done.length - succeeded, results: done },
      cooloff,
    };
  },
});

/**
 * Renders the action's config for one node, then validates it with the action's own schema (defaults
 * filled in), and runs it with the node as the trigger node, so `nodeId`-less actions target it.
 */
async function runForNode(
  context: StepContext<Config>,
  config: Config,
  definition: StepTypeDefinition,
  node: ActionNode,
  signal: AbortSignal,
): Promise<StepResult> {
  const trigger = {
    ...((context.data.trigger as object | undefined) ?? {}),
    node: { id: node.id, name: node.name },
  };
  const data = { ...context.data, trigger, node: nodeData(node) };
  // HALO variables ({metric}, {value} …) as the engine would give them, with {node_*} for this node.
  const variables = { ...contextVariables(data, undefined), ...nodeVariables(node) };
  // A type's verbatim fields (script's code) are not templates here either.
  const verbatim = (definition.verbatimFields ?? []).filter((field) => field in config.action.config);
  const rendered = {
    ...(renderConfig(config.action.config, data, variables) as Record<string, unknown>),
    ...Object.fromEntries(verbatim.map((field) => [field, config.action.config[field]])),
  };
  const parsed = definition.configSchema.safeParse(rendered);
  if (!parsed.success) {
    throw new Error(
      parsed.error.issues
        .map((issue) => `${['action', 'config', ...issue.path.map(String)].join('.')}: ${issue.message}`)
        .join('; '),
    );
  }
  const result = await definition.run!({
    config: parsed.data,
    data,
    step: {
      key: context.step.key,
      type: definition.type,
      label: `${context.step.label} · ${node.name}`,
      instance: node.id,
    },
    execution: context.execution,
    signal,
    services: context.services,
    now: context.now,
  } as never);
  if (result.wait) throw new Error(`"${definition.type}" waits, which is not possible inside for_each_node`);
  return result;
}

/**
 * The configured per-node policy, else the step's own error strategy: `skip` means carry on past a
 * failing node.
 */
function onNodeError(context: StepContext<Config>): 'stop' | 'continue' {
  if (context.config.onNodeError) return context.config.onNodeError;
  return context.step.onError === 'skip' ? 'continue' : 'stop';
}

function describeFailure(output: Record<string, unknown>): string {
  if (typeof output.exitCode === 'number') return `exited with ${output.exitCode}`;
  return 'the action reported a failure';
}
