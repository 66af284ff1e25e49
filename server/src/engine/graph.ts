import type { ErrorStrategy } from '../db/entities/index.js';
import type { StepTypeRegistry } from '../steps/registry.js';

/** A step as frozen into a run's snapshot: effective config (action template merged, defaults filled). */
export interface SnapshotStep {
  key: string;
  type: string;
  label: string;
  config: Record<string, unknown>;
  enabled: boolean;
  onError: ErrorStrategy;
  retryAttempts: number;
  timeoutMs: number | null;
  position: { x: number; y: number };
}

export interface SnapshotEdge {
  source: string;
  sourcePort: string;
  target: string;
}

export interface GraphSnapshot {
  flowId: string;
  flowName: string;
  version: number;
  defaultStepTimeoutMs: number;
  steps: SnapshotStep[];
  edges: SnapshotEdge[];
}

/** A snapshot indexed for the walker; built once per flow version and shared by its runs. */
export interface CompiledGraph {
  snapshot: GraphSnapshot;
  /** The snapshot as stored in flow_executions.snapshot, serialised once. */
  json: string;
  steps: SnapshotStep[];
  index: Map<string, number>;
  edgeSource: number[];
  edgeTarget: number[];
  edgePort: string[];
  incoming: number[][];
  outgoing: number[][];
  /** Indexes of steps whose type is in the trigger category. */
  triggers: number[];
  /** Indexes of steps with no incoming edge, in snapshot order. */
  roots: number[];
  /** Longest-path depth from a root; the walker runs ready steps shallowest first, then in snapshot order. */
  rank: number[];
}

export function compileGraph(
  snapshot: GraphSnapshot,
  registry: StepTypeRegistry,
  json?: string,
): CompiledGraph {
  const steps = snapshot.steps;
  const index = new Map(steps.map((step, i) => [step.key, i]));
  const incoming: number[][] = steps.map(() => []);
  const outgoing: number[][] = steps.map(() => []);
  const edgeSource: number[] = [];
  const edgeTarget: number[] = [];
  const edgePort: string[] = [];
  for (const edge of snapshot.edges) {
    const source = index.get(edge.source);
    const target = index.get(edge.target);
    // A snapshot only ever holds validated graphs, but an edge to a vanished step must not crash a run.
    if (source === undefined || target === undefined) continue;
    const e = edgeSource.length;
    edgeSource.push(source);
    edgeTarget.push(target);
    edgePort.push(edge.sourcePort);
    outgoing[source]!.push(e);
    incoming[target]!.push(e);
  }
  const triggers = steps.flatMap((step, i) => (registry.get(step.type)?.category === 'trigger' ? [i] : []));
  const roots = steps.flatMap((_, i) => (incoming[i]!.length === 0 ? [i] : []));
  const rank = computeRanks(steps.length, roots, outgoing, edgeTarget, incoming);
  return {
    snapshot,
    json: json ?? JSON.stringify(snapshot),
    steps,
    index,
    edgeSource,
    edgeTarget,
    edgePort,
    incoming,
    outgoing,
    triggers,
    roots,
    rank,
  };
}

function computeRanks(
  count: number,
  roots: number[],
  outgoing: number[][],
  edgeTarget: number[],
  incoming: number[][],
): number[] {
  const rank = new Array<number>(count).fill(0);
  const remaining = incoming.map((edges) => edges.length);
  const queue = [...roots];
  for (let head = 0; head < queue.length; head++) {
    const step = queue[head]!;
    for (const e of outgoing[step]!) {
      const target = edgeTarget[e]!;
      rank[target] = Math.max(rank[target]!, rank[step]! + 1);
      if (--remaining[target]! === 0) queue.push(target);
    }
  }
  return rank;
}

/** Keys of every step from which `key` can be reached, nearest first. */
export function ancestorsOf(key: string, edges: ReadonlyArray<{ source: string; target: string }>): string[] {
  const parents = new Map<string, string[]>();
  for (const edge of edges) {
    const list = parents.get(edge.target) ?? [];
    list.push(edge.source);
    parents.set(edge.target, list);
  }
  const seen = new Set<string>();
  const queue = [key];
  for (let head = 0; head < queue.length; head++) {
    for (const parent of parents.get(queue[head]!) ?? []) {
      if (parent !== key && !seen.has(parent)) {
        seen.add(parent);
        queue.push(parent);
      }
    }
  }
  return [...seen];
}

/** The port a disabled step passes through: `main`, or the type's first port (true, pass …). */
export function passThroughPort(type: string, registry: StepTypeRegistry): string | undefined {
  const ports = registry.get(type)?.ports ?? [];
  return ports.some((port) => port.name === 'main') ? 'main' : ports[0]?.name;
}
