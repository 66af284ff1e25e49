import { closest } from '../engine/expressions/suggest.js';
import type { StepTypeRegistry } from '../steps/registry.js';
import type { ValidationIssue } from './errors.js';

export interface DraftStep {
  key: string;
  type: string;
  config: unknown;
}

export interface DraftEdge {
  source: string;
  sourcePort: string;
  target: string;
}

export const STEP_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Checks a whole graph as it would be after a save. Returns every problem at once so an editor
 * can mark them all; the caller writes nothing when the list is not empty.
 */
/** Size of a whole flow after a save is merged in (README "Security"); a batch alone is not enough. */
export const GRAPH_LIMITS = { stepsPerFlow: 500, edgesPerFlow: 2000 } as const;

export function validateGraph(
  steps: DraftStep[],
  edges: DraftEdge[],
  registry: StepTypeRegistry,
): { issues: ValidationIssue[]; configs: Map<string, unknown> } {
  const issues: ValidationIssue[] = [];
  const configs = new Map<string, unknown>();
  // Checked first and alone: an oversized graph is refused before any per-step work is spent on it.
  if (steps.length > GRAPH_LIMITS.stepsPerFlow || edges.length > GRAPH_LIMITS.edgesPerFlow) {
    if (steps.length > GRAPH_LIMITS.stepsPerFlow)
      issues.push({
        code: 'invalid_field',
        field: 'steps',
        message: `a flow has at most ${GRAPH_LIMITS.stepsPerFlow} steps (this save would leave ${steps.length})`,
      });
    if (edges.length > GRAPH_LIMITS.edgesPerFlow)
      issues.push({
        code: 'invalid_field',
        field: 'edges',
        message: `a flow has at most ${GRAPH_LIMITS.edgesPerFlow} edges (this save would leave ${edges.length})`,
      });
    return { issues, configs };
  }
  const byKey = new Map<string, DraftStep>();

  for (const step of steps) {
    if (!STEP_KEY_PATTERN.test(step.key)) {
      issues.push({
        code: 'invalid_key',
        stepKey: step.key,
        field: 'key',
        message: `step key "${step.key}" must start with a letter or _ and contain only letters, digits and _ (at most 64)`,
      });
    }
    if (byKey.has(step.key)) {
      issues.push({
        code: 'duplicate_key',
        stepKey: step.key,
        field: 'key',
        message: `two steps use the key "${step.key}"`,
      });
      continue;
    }
    byKey.set(step.key, step);
    const type = registry.get(step.type);
    if (!type) {
      issues.push({
        code: 'unknown_step_type',
        stepKey: step.key,
        field: 'type',
        message: `step "${step.key}" has unknown type "${step.type}"${suggest(step.type, registry.types())}`,
      });
      continue;
    }
    const unavailable = registry.unavailable(step.type);
    if (unavailable) {
      issues.push({
        code: 'not_configured',
        stepKey: step.key,
        field: 'type',
        message: `step "${step.key}": ${step.type} cannot run on this server: ${unavailable}`,
      });
      continue;
    }
    const parsed = type.configSchema.safeParse(step.config ?? {});
    if (!parsed.success) {
      for (const problem of parsed.error.issues) {
        const field = ['config', ...problem.path.map(String)].join('.');
        issues.push({
          code: 'invalid_config',
          stepKey: step.key,
          field,
          message: `step "${step.key}": ${field}: ${problem.message}`,
        });
      }
      continue;
    }
    configs.set(step.key, parsed.data);
    for (const problem of type.check?.(parsed.data, registry.settings) ?? []) {
      const field = `config.${problem.field}`;
      issues.push({
        code: 'invalid_config',
        stepKey: step.key,
        field,
        message: `step "${step.key}": ${field}: ${problem.message}`,
      });
    }
  }

  const seenEdges = new Set<string>();
  edges.forEach((edge, index) => {
    const source = byKey.get(edge.source);
    const target = byKey.get(edge.target);
    const where = `edges[${index}]`;
    if (!source) {
      issues.push({
        code: 'unknown_step',
        field: `${where}.source`,
        message: `edge ${index + 1} starts at unknown step "${edge.source}"`,
      });
    }
    if (!target) {
      issues.push({
        code: 'unknown_step',
        stepKey: edge.source,
        field: `${where}.target`,
        message: `edge ${index + 1} leads to unknown step "${edge.target}"`,
      });
    }
    if (!source || !target) return;
    const sourceType = registry.get(source.type);
    const targetType = registry.get(target.type);
    if (sourceType && !sourceType.ports.some((port) => port.name === edge.sourcePort)) {
      const ports = sourceType.ports.map((port) => port.name).join(', ');
      issues.push({
        code: 'unknown_port',
        stepKey: edge.source,
        field: `${where}.sourcePort`,
        message: `step "${edge.source}" (${source.type}) has no port "${edge.sourcePort}"; its ports are ${ports}`,
      });
    }
    if (targetType?.category === 'trigger') {
      issues.push({
        code: 'edge_into_trigger',
        stepKey: edge.source,
        field: `${where}.target`,
        message: `edge ${index + 1} leads into trigger "${edge.target}"; a trigger starts a run and cannot be reached from another step`,
      });
    }
    const id = `${edge.source}\u0000${edge.sourcePort}\u0000${edge.target}`;
    if (seenEdges.has(id)) {
      issues.push({
        code: 'duplicate_edge',
        stepKey: edge.source,
        field: where,
        message: `edge ${edge.source}.${edge.sourcePort} → ${edge.target} appears twice`,
      });
    }
    seenEdges.add(id);
  });

  const cycle = findCycle(
    [...byKey.keys()],
    edges.filter((edge) => byKey.has(edge.source) && byKey.has(edge.target)),
  );
  if (cycle) {
    issues.push({
      code: 'cycle',
      stepKey: cycle[0],
      field: 'edges',
      message: `the steps ${cycle.join(' → ')} form a cycle; use for_each_node or trigger_flow to repeat work`,
    });
  }
  return { issues, configs };
}

/**
 * Depth-first search with colours; returns the keys along the first cycle found. Iterative, with an
 * explicit stack, so a long chain of steps cannot overflow the call stack.
 */
function findCycle(keys: string[], edges: DraftEdge[]): string[] | null {
  const next = new Map<string, string[]>(keys.map((key) => [key, []]));
  for (const edge of edges) next.get(edge.source)?.push(edge.target);
  const state = new Map<string, 'open' | 'done'>();
  for (const root of keys) {
    if (state.has(root)) continue;
    // Each frame: a step on the current path and the index of its next outgoing edge to follow.
    const path: Array<{ key: string; edge: number }> = [{ key: root, edge: 0 }];
    state.set(root, 'open');
    while (path.length) {
      const frame = path[path.length - 1]!;
      const targets = next.get(frame.key) ?? [];
      if (frame.edge >= targets.length) {
        state.set(frame.key, 'done');
        path.pop();
        continue;
      }
      const target = targets[frame.edge++]!;
      if (state.get(target) === 'open') {
        const keysOnPath = path.map((entry) => entry.key);
        return [...keysOnPath.slice(keysOnPath.indexOf(target)), target];
      }
      if (!state.has(target)) {
        state.set(target, 'open');
        path.push({ key: target, edge: 0 });
      }
    }
  }
  return null;
}

export function suggest(value: string, candidates: string[]): string {
  const best = closest(value, candidates);
  return best ? ` (did you mean "${best}"?)` : '';
}
