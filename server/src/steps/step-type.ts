import type { z } from 'zod';

export const STEP_CATEGORIES = ['trigger', 'condition', 'action', 'care', 'flow'] as const;
export type StepCategory = (typeof STEP_CATEGORIES)[number];

/** An output port a step type declares; edges leave a step from one of these. */
export interface StepPort {
  name: string;
  label: string;
  description?: string;
}

/** The pipeline data a step sees: `trigger`, `system`, `steps.<key>.output`, `vars` and flat keys. */
export type PipelineData = Record<string, unknown>;

export interface StepRunInfo {
  key: string;
  type: string;
  label: string;
  /** The step's error strategy (absent in testStep), for steps that fail part-way, like for_each_node. */
  onError?: 'stop' | 'skip' | 'retry';
  /** Which repetition this is inside a looping step (for_each_node: the node id); keys Idempotency-Key. */
  instance?: string;
}

export interface ExecutionInfo {
  id: string;
  flowId: string;
  flowName: string;
  depth: number;
}

/**
 * What the engine hands a step. `services` is filled in by the engine; steps use it
 * instead of reaching into the database or the HTTP layer themselves.
 */
export interface StepContext<Config, Services = unknown> {
  config: Config;
  data: Readonly<PipelineData>;
  step: StepRunInfo;
  execution: ExecutionInfo;
  /** Aborted when the step times out or the run is cancelled. */
  signal: AbortSignal;
  services: Services;
  /**
   * Present when the step resumes after a durable wait: `due` when the time came, `late` when it came
   * while the server was down (longer ago than the grace), `event` when deliverEvent woke it.
   * `waitingFor` is what the step returned in `wait.for`.
   */
  resume?: {
    reason: 'due' | 'event' | 'late';
    event?: Record<string, unknown>;
    waitingFor?: Record<string, unknown>;
  };
  now(): Date;
}

export interface StepResult {
  /** Stored as `steps.<key>.output` and merged into the pipeline data. */
  output?: Record<string, unknown>;
  /** Ports to follow; defaults to `main`. */
  ports?: string[];
  /** False ends the run after this step (as completed). */
  continue?: boolean;
  /** Persist the run as waiting until this time, or until the awaited event arrives. */
  wait?: { until: Date; for?: Record<string, unknown> };
  /** The step did something a person would notice: the run consumes the flow's cool-off. */
  cooloff?: boolean;
}

/** A problem a step type finds in its config beyond the schema (for example a bad cron expression). */
export interface ConfigIssue {
  field: string;
  message: string;
}

export interface StepTypeDefinition<Schema extends z.ZodType = z.ZodType> {
  type: string;
  category: StepCategory;
  title: string;
  description: string;
  configSchema: Schema;
  ports: StepPort[];
  /** Extra save-time checks that need more than the JSON Schema. */
  check?: (config: z.output<Schema>) => ConfigIssue[];
  /**
   * Output keys the step merges flat into the pipeline data, so save-time checks and autocomplete know
   * them (e.g. interactive_prompt's output key, auto_escalate_triggered).
   */
  writes?: (config: z.output<Schema>) => string[];
  run?: (context: StepContext<z.output<Schema>>) => Promise<StepResult> | StepResult;
  /**
   * Top-level config fields the engine passes to `run` unrendered because the step renders them itself
   * (for_each_node renders its action once per node). Save-time checks let their templates use `node`.
   */
  deferredFields?: string[];
}

/** Identity helper that keeps the config type flowing from the schema into `run`. */
export function defineStepType<Schema extends z.ZodType>(
  definition: StepTypeDefinition<Schema>,
): StepTypeDefinition<Schema> {
  return definition;
}

export const MAIN_PORT: StepPort = { name: 'main', label: 'Next' };
