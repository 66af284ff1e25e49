import type { ExecutionError, ExecutionStatus, StepRunStatus } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import type { StepTypeRegistry } from '../steps/registry.js';
import type { WaitSchedulerFactory } from './waits.js';

export type { ExecutionError, ExecutionStatus, StepRunStatus };

export interface EngineOptions {
  orm: Orm;
  registry: StepTypeRegistry;
  /** Opens sealed config values (`{"$sealed": …}`) at the moment a step runs; the app's SecretBox. */
  secrets?: { open(sealed: string): string };
  /** IANA time zone for `system.*` values. */
  timezone: string;
  /** A wait overdue by more than this when the engine starts resumes with `trigger.late = true`. Default 5 min. */
  lateGraceMs?: number;
  /** Upper bound of the in-memory `sleep` step. Default 60 s. */
  maxSleepMs?: number;
  clock?: () => Date;
  /** First retry delay; later ones double up to `retryMaxDelayMs`. Default 1 s. */
  retryBaseDelayMs?: number;
  /** Default 30 s. */
  retryMaxDelayMs?: number;
  /** How the engine sleeps between retries; tests inject a recorder. Must reject when the signal aborts. */
  delay?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** How long stop() lets running steps finish before parking their runs for the next start(). Default 5 s. */
  stopGraceMs?: number;
  /** Extra services handed to steps next to the engine's own (channels, HTTP clients …). */
  services?: Record<string, unknown>;
  /** Where engine problems that have no run to be recorded in go. Default console.error. */
  logger?: (message: string, error?: unknown) => void;
  /** Where wait timers live; default in-process timers. BullMQ (`REDIS_URL`) shares them across instances. */
  waitScheduler?: WaitSchedulerFactory;
  /** How many of the newest execution events stay replayable for reconnecting subscribers. Default 100,000. */
  eventLogSize?: number;
}

export type TriggerInput = {
  flowId?: string;
  flowName?: string;
  payload?: Record<string, unknown>;
  triggerType?: string;
  triggerStepKey?: string;
  parentExecutionId?: string;
  rerunOf?: string;
  /** Internal (trigger_flow): the parent's current step will wait for this run's result. */
  awaitedByParent?: boolean;
};

/** A run as the engine reports it; mirrors a flow_executions row. */
export interface ExecutionRecord {
  id: string;
  flowId: string;
  flowName: string;
  flowVersion: number;
  status: ExecutionStatus;
  triggerType: string;
  triggerStepKey: string | null;
  triggerPayload: Record<string, unknown>;
  data: Record<string, unknown>;
  currentStep: string | null;
  completedSteps: string[];
  skippedSteps: string[];
  error: ExecutionError | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  resumeAt: Date | null;
  waitingFor: Record<string, unknown> | null;
  cooloffConsumed: boolean;
  parentExecutionId: string | null;
  depth: number;
  rerunOf: string | null;
  eventSeq: number;
  createdAt: Date;
}

export interface PipelineExecutionEvent {
  executionId: string;
  flowId: string;
  flowName: string;
  /** Per run, starting at 1 and increasing by one per event, so a client can spot a gap and refetch. */
  seq: number;
  kind: 'execution' | 'step';
  status: ExecutionStatus | StepRunStatus;
  stepKey?: string;
  stepType?: string;
  ports?: string[];
  elapsedMs?: number;
  error?: string;
  at: Date;
  /** Position in the replay log, set when the event is committed (absent if its log write failed). */
  cursor?: number;
}

export interface AlertRaisedEvent {
  id: string;
  level: string;
  message: string;
  flowId: string | null;
  executionId: string | null;
  stepKey: string | null;
  nodeId: string | null;
  createdAt: Date;
}

export interface TestStepInput {
  type: string;
  config: unknown;
  /** The saved step's stored config (its template's below its own): what `{"$secret":"set"}` keeps. */
  stored?: Record<string, unknown>;
  data?: Record<string, unknown>;
  timeoutMs?: number;
}

export interface TestStepResult {
  success: boolean;
  output?: unknown;
  ports: string[];
  error?: string;
  durationMs: number;
}

export const TERMINAL_STATUSES: ReadonlySet<ExecutionStatus> = new Set(['completed', 'failed', 'cancelled']);
