import { compileGraph, type CompiledGraph, type GraphSnapshot } from './graph.js';
import type { Kernel } from './kernel.js';
import { runtimeFields, type RunState, type StepRow } from './run-state.js';
import { cachedStatement, EXECUTION_COLUMNS, type ExecutionRow } from './sqlite.js';
import { beginWalk, type WalkHooks } from './walker.js';

interface TimelineRow {
  id: string;
  step_key: string;
  step_type: string;
  status: StepRow['status'];
  attempt: number;
  started_at: number;
  elapsed_ms: number | null;
  output: string | null;
  ports: string;
  error: string | null;
}

export function activeRows(k: Kernel): ExecutionRow[] {
  return k.store.db
    .prepare(
      `select ${EXECUTION_COLUMNS} from flow_executions where status in ('pending', 'running', 'waiting')
        order by created_at, rowid`,
    )
    .all() as ExecutionRow[];
}

export function executionRow(k: Kernel, id: string): ExecutionRow | undefined {
  return cachedStatement(
    k.store.db,
    `select e.*, f.name as flow_name from flow_executions e left join flows f on f.id = e.flow_id where e.id = ?`,
  ).get(id) as ExecutionRow | undefined;
}

/** Flow ids and names from the outermost run down to (and including) the given run's flow. */
export function chainOf(k: Kernel, executionId: string | null): Array<{ id: string; name: string }> {
  const chain: Array<{ id: string; name: string }> = [];
  const statement = cachedStatement(
    k.store.db,
    `select e.parent_execution_id as parent, e.flow_id as id, coalesce(f.name, e.flow_id) as name
      from flow_executions e left join flows f on f.id = e.flow_id where e.id = ?`,
  );
  const seen = new Set<string>();
  for (let id = executionId; id && !seen.has(id) && chain.length <= 64;) {
    seen.add(id);
    const active = k.active.get(id);
    if (active) return [...active.chain, { id: active.flowId, name: active.flowName }, ...chain];
    const row = statement.get(id) as { parent: string | null; id: string; name: string } | undefined;
    if (!row) break;
    chain.unshift({ id: row.id, name: row.name });
    id = row.parent;
  }
  return chain;
}

/**
 * Rebuilds a run from its row and timeline: the walker state is replayed from the steps recorded as
 * completed, skipped or failed under `onError: skip` (with the ports their last timeline row
 * activated), so the run continues at the step that was in flight, or at the step it waits in.
 */
export function restoreRun(
  k: Kernel,
  row: ExecutionRow,
  walk: WalkHooks,
  graphs: Map<string, CompiledGraph>,
): RunState {
  let graph = graphs.get(row.snapshot);
  if (!graph) {
    graph = compileGraph(JSON.parse(row.snapshot) as GraphSnapshot, k.registry, row.snapshot);
    graphs.set(row.snapshot, graph);
  }
  const run: RunState = {
    id: row.id,
    flowId: row.flow_id,
    flowName: row.flow_name ?? graph.snapshot.flowName,
    flowVersion: row.flow_version,
    status: row.status,
    triggerType: row.trigger_type,
    triggerStepKey: row.trigger_step_key,
    triggerPayload: JSON.parse(row.trigger_payload) as Record<string, unknown>,
    triggerPayloadJson: row.trigger_payload,
    data: JSON.parse(row.data) as Record<string, unknown>,
    graph,
    currentStep: row.current_step,
    completed: JSON.parse(row.completed_steps) as string[],
    skipped: JSON.parse(row.skipped_steps) as string[],
    error: row.error ? JSON.parse(row.error) : null,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    resumeAt: row.resume_at,
    waitingFor: row.waiting_for ? (JSON.parse(row.waiting_for) as Record<string, unknown>) : null,
    cooloffConsumed: row.cooloff_consumed === 1,
    parentExecutionId: row.parent_execution_id,
    depth: row.depth,
    rerunOf: row.rerun_of_id,
    eventSeq: row.event_seq,
    createdAt: row.created_at,
    chain: row.parent_execution_id ? chainOf(k, row.parent_execution_id) : [],
    inserted: true,
    ...runtimeFields(graph),
  };
  if (run.status === 'pending') return run;

  const timeline = k.store.db
    .prepare(
      `select id, step_key, step_type, status, attempt, started_at, elapsed_ms, output, ports, error
        from flow_execution_steps where execution_id = ? order by started_at, rowid`,
    )
    .all(run.id) as TimelineRow[];
  const lastPorts = new Map<string, string[]>();
  const lastStatus = new Map<string, string>();
  for (const entry of timeline) {
    lastStatus.set(entry.step_key, entry.status === 'running' ? 'interrupted' : entry.status);
    if (entry.status === 'running') {
      // The step was in flight when the process stopped; it runs again as a new attempt.
      const stale = toStepRow(run.id, entry);
      stale.status = 'failed';
      stale.error = 'interrupted: the server stopped while this step ran';
      k.store.markStep(stale);
    } else {
      lastPorts.set(entry.step_key, JSON.parse(entry.ports) as string[]);
    }
    if (entry.id === run.waitingFor?.stepRowId) run.waitingRow = toStepRow(run.id, entry);
  }
  const settled = new Set([...run.completed, ...run.skipped]);
  // A step with onError: skip that failed is in neither list; its failed row settled it (with its ports).
  for (const step of graph.steps) {
    if (step.onError === 'skip' && lastStatus.get(step.key) === 'failed') settled.add(step.key);
  }
  const known: WalkHooks = {
    skipped: walk.skipped,
    known: (state, step) => {
      const key = state.graph.steps[step]!.key;
      return settled.has(key) ? (lastPorts.get(key) ?? []) : undefined;
    },
  };
  const entry = run.triggerStepKey === null ? null : (graph.index.get(run.triggerStepKey) ?? null);
  beginWalk(run, entry, known);
  run.walkStarted = true;
  return run;
}

function toStepRow(executionId: string, entry: TimelineRow): StepRow {
  return {
    id: entry.id,
    executionId,
    stepKey: entry.step_key,
    stepType: entry.step_type,
    status: entry.status,
    attempt: entry.attempt,
    startedAt: entry.started_at,
    elapsedMs: entry.elapsed_ms,
    outputJson: entry.output,
    ports: JSON.parse(entry.ports) as string[],
    error: entry.error,
    inserted: true,
  };
}
