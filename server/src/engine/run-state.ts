import type { CompiledGraph } from './graph.js';
import { date } from './sqlite.js';
import type { ExecutionRecord, StepRunStatus } from './types.js';

export const enum EdgeState {
  Pending = 0,
  Active = 1,
  Dead = 2,
}

/** One timeline row (one step attempt), buffered until the next group commit. */
export interface StepRow {
  id: string;
  executionId: string;
  stepKey: string;
  stepType: string;
  status: StepRunStatus;
  attempt: number;
  startedAt: number;
  elapsedMs: number | null;
  /** Already serialised (and truncated) output JSON. */
  outputJson: string | null;
  ports: string[];
  error: string | null;
  inserted: boolean;
}

/** Why a parked wait ends; `late` when it came due while the server was down. */
export interface WaitResume {
  reason: 'due' | 'event' | 'late';
  event?: Record<string, unknown>;
}

/**
 * One step parked in a durable wait. A run can hold several (one per branch); the others go on.
 * Stored in flow_executions.waiting_for.waits, so a restart re-arms every one of them.
 */
export interface ParkedWait {
  stepKey: string;
  /** The waiting timeline row; the same attempt continues when the wait ends. */
  stepRowId: string;
  /** Epoch ms when the wait times out. */
  until: number;
  /** What the step returned in `wait.for`. */
  for: Record<string, unknown>;
  /** Set once the wait was claimed (due, event, late) and not yet continued; stored, so a crash keeps it. */
  resume?: WaitResume;
  /** In memory only: re-armed at start() already overdue beyond the grace, so it came due while down. */
  late?: boolean;
}

/** The fields a run shares with its record as is; times are kept as epoch ms instead of Dates. */
type RecordFields =
  | 'id'
  | 'flowId'
  | 'flowName'
  | 'flowVersion'
  | 'status'
  | 'triggerType'
  | 'triggerStepKey'
  | 'triggerPayload'
  | 'data'
  | 'currentStep'
  | 'error'
  | 'durationMs'
  | 'waitingFor'
  | 'cooloffConsumed'
  | 'parentExecutionId'
  | 'depth'
  | 'rerunOf'
  | 'eventSeq';

/** A run in memory. Everything the store writes is read from here at flush time. */
export interface RunState extends Pick<ExecutionRecord, RecordFields> {
  triggerPayloadJson: string;
  graph: CompiledGraph;
  completed: string[];
  skipped: string[];
  startedAt: number | null;
  finishedAt: number | null;
  resumeAt: number | null;
  createdAt: number;
  /** Flows from the outermost run down to this run's parent, for trigger_flow cycle detection. */
  chain: Array<{ id: string; name: string }>;

  // Walker state, rebuilt from the checkpoint after a restart.
  edges: Uint8Array;
  pendingIn: Int32Array;
  ready: number[];
  ports: Map<string, string[]>;
  walkStarted: boolean;
  /** Steps parked in durable waits, oldest first; the run is `waiting` only when nothing else can run. */
  waits: ParkedWait[];
  /** Timeline rows of the parked steps, by row id. */
  waitRows: Map<string, StepRow>;
  /** Attempts per step key across restarts: every timeline row counts, failures spend the retry budget. */
  attempts: Map<string, { count: number; failures: number }>;
  /** A child run this run's current step started and will wait for (trigger_flow with waitForResult). */
  expectingChild: string | null;

  inserted: boolean;
  cancelRequested: boolean;
  /** stop() parks a run: it stops without writing, and start() picks it up from the last checkpoint. */
  parked: boolean;
  /** Aborts the step in flight (cancel, stop). */
  stepAbort: AbortController | null;
  /** An event that arrived while the step that will wait for it was still running (a fast child run). */
  earlyEvent: { event: Record<string, unknown>; resolve: (delivered: boolean) => void } | null;
  settledWaiters: Array<(record: ExecutionRecord) => void>;
  quiescentWaiters: Array<(record: ExecutionRecord) => void>;
}

type RuntimeFields =
  | 'edges'
  | 'pendingIn'
  | 'ready'
  | 'ports'
  | 'walkStarted'
  | 'waits'
  | 'waitRows'
  | 'attempts'
  | 'expectingChild'
  | 'cancelRequested'
  | 'parked'
  | 'stepAbort'
  | 'earlyEvent'
  | 'settledWaiters'
  | 'quiescentWaiters';

/** The in-memory part of a run that is not stored as such: a fresh walk and no pending signals. */
export function runtimeFields(graph: CompiledGraph): Pick<RunState, RuntimeFields> {
  return {
    edges: new Uint8Array(graph.edgeSource.length),
    pendingIn: Int32Array.from(graph.incoming, (edges) => edges.length),
    ready: [],
    ports: new Map(),
    walkStarted: false,
    waits: [],
    waitRows: new Map(),
    attempts: new Map(),
    expectingChild: null,
    cancelRequested: false,
    parked: false,
    stepAbort: null,
    earlyEvent: null,
    settledWaiters: [],
    quiescentWaiters: [],
  };
}

export function toRecord(run: RunState): ExecutionRecord {
  return {
    id: run.id,
    flowId: run.flowId,
    flowName: run.flowName,
    flowVersion: run.flowVersion,
    status: run.status,
    triggerType: run.triggerType,
    triggerStepKey: run.triggerStepKey,
    triggerPayload: run.triggerPayload,
    data: run.data,
    currentStep: run.currentStep,
    completedSteps: [...run.completed],
    skippedSteps: [...run.skipped],
    error: run.error,
    startedAt: date(run.startedAt),
    finishedAt: date(run.finishedAt),
    durationMs: run.durationMs,
    resumeAt: date(run.resumeAt),
    waitingFor: run.waitingFor,
    cooloffConsumed: run.cooloffConsumed,
    parentExecutionId: run.parentExecutionId,
    depth: run.depth,
    rerunOf: run.rerunOf,
    eventSeq: run.eventSeq,
    createdAt: new Date(run.createdAt),
  };
}

/** Mirrors the parked waits into the stored columns: resume_at is the earliest unclaimed timeout. */
export function syncWaitFields(run: RunState): void {
  const open = run.waits.filter((wait) => !wait.resume);
  if (run.waits.length === 0) {
    run.waitingFor = null;
    run.resumeAt = null;
    return;
  }
  const first = open.reduce<ParkedWait | undefined>((a, b) => (!a || b.until < a.until ? b : a), undefined);
  const primary = first ?? run.waits[0]!;
  run.resumeAt = first ? first.until : null;
  // The earliest wait's fields stay at the top level (the shape a single wait always had).
  run.waitingFor = {
    ...primary.for,
    stepKey: primary.stepKey,
    stepRowId: primary.stepRowId,
    waits: run.waits.map(({ late: _late, ...wait }) => wait),
  };
}
