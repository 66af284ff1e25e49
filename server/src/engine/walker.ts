import { EdgeState, type RunState } from './run-state.js';

/**
 * Dead-path elimination over the run's graph. A step is decided once all its incoming edges are
 * settled: with at least one active edge it becomes ready, otherwise it is skipped and its outgoing
 * edges die, so branches re-join after a condition and nothing runs twice.
 */
export interface WalkHooks {
  /** Records a step reached only by dead edges. */
  skipped(run: RunState, step: number): void;
  /** During replay after a restart: ports a step already settled with, if it did. */
  known?(run: RunState, step: number): string[] | undefined;
}

/** Seeds the walk: the entry step is ready, every other root is skipped (with its downstream). */
export function beginWalk(run: RunState, entry: number | null, hooks: WalkHooks): void {
  const graph = run.graph;
  const decided = new Uint8Array(graph.steps.length);
  if (entry !== null && graph.incoming[entry]!.length > 0) {
    // Only a broken graph has edges into a trigger; start there anyway and never run it twice.
    decided[entry] = 1;
    markReady(run, entry, hooks);
  }
  for (const root of graph.roots) {
    if (decided[root]) continue;
    if (entry === null || root === entry) markReady(run, root, hooks);
    else skip(run, root, hooks);
  }
}

function markReady(run: RunState, step: number, hooks: WalkHooks): void {
  const known = hooks.known?.(run, step);
  if (known) settle(run, step, known, hooks);
  else run.ready.push(step);
}

function skip(run: RunState, step: number, hooks: WalkHooks): void {
  const key = run.graph.steps[step]!.key;
  if (!hooks.known?.(run, step)) hooks.skipped(run, step);
  settle(run, step, [], hooks, key);
}

/**
 * Settles a step with the ports it activated ([] for a skip) and decides what follows. Iterative with an
 * explicit stack, in the same order a recursive walk would take: a long dead branch skips step after
 * step, and recursion there would overflow the stack on a long chain.
 */
export function settle(run: RunState, step: number, ports: string[], hooks: WalkHooks, key?: string): void {
  const graph = run.graph;
  const stack: Array<{ step: number; ports: string[]; next: number }> = [];
  const enter = (settled: number, activated: string[], settledKey?: string) => {
    run.ports.set(settledKey ?? graph.steps[settled]!.key, activated);
    stack.push({ step: settled, ports: activated, next: 0 });
  };
  enter(step, ports, key);
  while (stack.length) {
    const frame = stack[stack.length - 1]!;
    const outgoing = graph.outgoing[frame.step]!;
    if (frame.next >= outgoing.length) {
      stack.pop();
      continue;
    }
    const e = outgoing[frame.next++]!;
    run.edges[e] = frame.ports.includes(graph.edgePort[e]!) ? EdgeState.Active : EdgeState.Dead;
    const target = graph.edgeTarget[e]!;
    if (--run.pendingIn[target]! !== 0) continue;
    const active = graph.incoming[target]!.some((incoming) => run.edges[incoming] === EdgeState.Active);
    if (active) {
      const known = hooks.known?.(run, target);
      if (known) enter(target, known);
      else run.ready.push(target);
    } else {
      const targetKey = graph.steps[target]!.key;
      if (!hooks.known?.(run, target)) hooks.skipped(run, target);
      enter(target, [], targetKey);
    }
  }
}

/** The next step to run: shallowest rank first, then snapshot order, so runs are deterministic. */
export function takeReady(run: RunState): number | undefined {
  const ready = run.ready;
  if (ready.length === 0) return undefined;
  let best = 0;
  const rank = run.graph.rank;
  for (let i = 1; i < ready.length; i++) {
    const a = ready[i]!;
    const b = ready[best]!;
    if (rank[a]! < rank[b]! || (rank[a] === rank[b] && a < b)) best = i;
  }
  return ready.splice(best, 1)[0];
}

/** Removes a specific step from the ready list (the waiting step, when a run resumes). */
export function takeStep(run: RunState, step: number): boolean {
  const at = run.ready.indexOf(step);
  if (at < 0) return false;
  run.ready.splice(at, 1);
  return true;
}

/** The output of the nearest active predecessor, for `{prev_result}`. */
export function previousOutput(run: RunState, step: number): unknown {
  const graph = run.graph;
  const steps = run.data.steps as Record<string, { output?: unknown }>;
  for (const e of graph.incoming[step]!) {
    if (run.edges[e] !== EdgeState.Active) continue;
    const source = graph.steps[graph.edgeSource[e]!]!.key;
    if (steps[source]) return steps[source].output;
  }
  return undefined;
}
