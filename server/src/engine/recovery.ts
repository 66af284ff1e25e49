import { compileGraph, type CompiledGraph, type GraphSnapshot } from './graph.js';
import type { Kernel } from './kernel.js';
import {
  runtimeFields,
  syncWaitFields,
  type ParkedWait,
  type RunState,
  type StepRow,
  type WaitResume,
} from './run-state.js';
import { cachedStatement, EXECUTION_COLUMNS, type ExecutionRow } from './sqlite.js';
import { beginWalk, takeStep, type WalkHooks } from './walker.js';

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
  run.waits = storedWaits(run.waitingFor, row.resume_at);
  const waitRowIds = new Set(run.waits.map((wait) => wait.stepRowId));
  const lastPorts = new Map<string, string[]>();
  const lastStatus = new Map<string, string>();
  for (const entry of timeline) {
    const tally = run.attempts.get(entry.step_key) ?? { count: 0, failures: 0 };
    run.attempts.set(entry.step_key, tally);
    tally.count = Math.max(tally.count + 1, entry.attempt);
    // A failed attempt spends the retry budget; one cut short by a crash does not (it runs again).
    if (entry.status === 'failed') tally.failures++;
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
    if (waitRowIds.has(entry.id)) run.waitRows.set(entry.id, toStepRow(run.id, entry));
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
  // Parked steps are not ready: they continue when their wait ends.
  for (const wait of run.waits) {
    const index = graph.index.get(wait.stepKey);
    if (index !== undefined) takeStep(run, index);
  }
  syncWaitFields(run);
  return run;
}

/**
 * The parked waits as stored: `waits` (several branches), or the single wait of a row written before
 * runs could park several. A claim saved just before a crash (`resume` at the top) marks its wait.
 */
function storedWaits(waitingFor: Record<string, unknown> | null, resumeAt: number | null): ParkedWait[] {
  if (!waitingFor) return [];
  const { resume, waits, stepKey, stepRowId, ...rest } = waitingFor as {
    resume?: WaitResume & { stepRowId?: string };
    waits?: ParkedWait[];
    stepKey?: string;
    stepRowId?: string;
  } & Record<string, unknown>;
  const list: ParkedWait[] = Array.isArray(waits)
    ? waits.map((wait) => ({ ...wait, for: { ...wait.for } }))
    : typeof stepKey === 'string' && typeof stepRowId === 'string'
      ? [{ stepKey, stepRowId, until: resumeAt ?? 0, for: rest }]
      : [];
  if (resume && resume.reason !== ('cancel' as string)) {
    const claimed = list.find((wait) => wait.stepRowId === (resume.stepRowId ?? stepRowId));
    if (claimed) claimed.resume = { reason: resume.reason, ...(resume.event && { event: resume.event }) };
  }
  return list;
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
