import type { LoadedFlow, StepTypeInfo } from './operations';

export type ErrorStrategy = 'STOP' | 'SKIP' | 'RETRY';

/** A step as the editor holds it: the saved fields plus whatever was changed on the phone. */
export interface DraftStep {
  key: string;
  type: string;
  label: string;
  config: Record<string, unknown>;
  enabled: boolean;
  onError: ErrorStrategy;
  retryAttempts: number;
  timeoutMs: number | null;
  /** Global ID of the action template whose config this step overrides; null for none. */
  actionTemplateId: string | null;
  position: { x: number; y: number };
}

export interface DraftEdge {
  source: string;
  sourcePort: string;
  target: string;
}

export interface Graph {
  steps: DraftStep[];
  edges: DraftEdge[];
}

export const edgeId = (edge: DraftEdge): string => `${edge.source}:${edge.sourcePort}->${edge.target}`;

export function graphOf(flow: LoadedFlow): Graph {
  return {
    steps: flow.steps.map((step) => ({
      key: step.key,
      type: step.type,
      label: step.label,
      config: { ...step.config },
      enabled: step.enabled,
      onError: step.onError,
      retryAttempts: step.retryAttempts,
      timeoutMs: step.timeoutMs ?? null,
      actionTemplateId: step.actionTemplate?.id ?? null,
      position: { x: step.position.x, y: step.position.y },
    })),
    edges: flow.edges.map(({ source, sourcePort, target }) => ({ source, sourcePort, target })),
  };
}

// JSON, not structuredClone: the graph lives in a reactive proxy, which structuredClone refuses.
export const cloneGraph = (graph: Graph): Graph => JSON.parse(JSON.stringify(graph)) as Graph;

/** The graph without canvas positions: moving a step is layout, not a change that needs saving. */
export function shapeOf(graph: Graph): string {
  return JSON.stringify({
    steps: graph.steps.map(({ position: _position, ...rest }) => rest),
    edges: graph.edges,
  });
}

/** A fresh key for a step of a type: `alert`, then `alert_2`, `alert_3`… */
export function newKey(graph: Graph, type: string): string {
  const taken = new Set(graph.steps.map((step) => step.key));
  if (!taken.has(type)) return type;
  for (let n = 2; ; n++) if (!taken.has(`${type}_${n}`)) return `${type}_${n}`;
}

/** Config defaults from a JSON Schema, so a new step starts from what the server would assume. */
export function defaultsOf(schema: Record<string, unknown>): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const result: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(properties)) {
    if ('default' in property) result[name] = structuredClone(property.default);
  }
  return result;
}

export function addStep(
  graph: Graph,
  type: StepTypeInfo,
  position: { x: number; y: number },
  from?: { source: string; sourcePort: string },
): string {
  const key = newKey(graph, type.type);
  graph.steps.push({
    key,
    type: type.type,
    label: type.title,
    config: defaultsOf(type.configSchema),
    enabled: true,
    onError: 'STOP',
    retryAttempts: 3,
    timeoutMs: null,
    actionTemplateId: null,
    position,
  });
  if (from) graph.edges.push({ ...from, target: key });
  return key;
}

/** Adds an edge unless it exists, would enter a trigger, or loops back to its own step. */
export function connect(graph: Graph, edge: DraftEdge, triggers: Set<string>): boolean {
  if (edge.source === edge.target) return false;
  const target = graph.steps.find((step) => step.key === edge.target);
  if (!target || triggers.has(target.type)) return false;
  if (graph.edges.some((other) => edgeId(other) === edgeId(edge))) return false;
  graph.edges.push(edge);
  return true;
}

export function removeStep(graph: Graph, key: string): void {
  graph.steps = graph.steps.filter((step) => step.key !== key);
  graph.edges = graph.edges.filter((edge) => edge.source !== key && edge.target !== key);
}

export function removeEdge(graph: Graph, id: string): void {
  graph.edges = graph.edges.filter((edge) => edgeId(edge) !== id);
}

/** Where a step added below `key` goes: under it, shifted right for each sibling already there. */
export function below(
  graph: Graph,
  key: string | null,
  portsOf: (type: string) => number,
): { x: number; y: number } {
  const parent = graph.steps.find((step) => step.key === key);
  if (!parent) {
    const lowest = Math.max(-140, ...graph.steps.map((step) => step.position.y));
    return { x: 0, y: lowest + 220 };
  }
  // Children spread out to the right, the way the ports run along the parent's bottom edge.
  const siblings = graph.edges.filter((edge) => edge.source === key).length;
  const width = Math.max(216, portsOf(parent.type) * 84);
  return { x: parent.position.x + siblings * (width + 24), y: parent.position.y + 220 };
}

export function toInput(graph: Graph) {
  return {
    steps: graph.steps.map((step) => ({
      key: step.key,
      type: step.type,
      label: step.label,
      config: step.config,
      enabled: step.enabled,
      onError: step.onError,
      retryAttempts: step.retryAttempts,
      ...(step.timeoutMs !== null && { timeoutMs: step.timeoutMs }),
      // A draft kept from before templates were editable has no field: the saved template stays.
      ...(step.actionTemplateId !== undefined && { actionTemplateId: step.actionTemplateId }),
      position: { x: Math.round(step.position.x), y: Math.round(step.position.y) },
    })),
    edges: graph.edges.map(({ source, sourcePort, target }) => ({ source, sourcePort, target })),
  };
}
