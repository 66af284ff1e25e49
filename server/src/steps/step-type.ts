import type { z } from 'zod';
import type { HomeAssistantSettings } from '../homeassistant/settings.js';
import type { LlmModelRegistry } from '../llm/models.js';

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
  /** The output of the step this one was reached from (the first active incoming edge), as `{prev_result}` reads it. */
  last?: unknown;
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

/**
 * A config field that names another object. At save time the value may be the object's global ID, its
 * unique name (`byName`), or its database id; it is stored as the database id (the canonical form the
 * runtime compares with) and shown by the API as the global ID. `path` is dotted, `[]` marks a list.
 * Values containing a template (`{{ … }}` or `{…}`) are left to run time.
 */
export interface StepReference {
  path: string;
  entity: 'node' | 'flow' | 'device';
  /** `name`: the field holds a name and keeps it (trigger_flow.flowName); it must resolve too. */
  form?: 'id' | 'name';
}

/**
 * Server configuration some step types depend on (app.ts fills it from KinflowConfig). The registry
 * holds it for save-time checks and `stepTypes`; steps see it at run time as `services.settings`.
 * Secrets in here (API keys, tokens) are for the outbound call only, never for outputs or errors.
 */
export interface StepSettings {
  /** KINFLOW_LLM_MODELS: the models `llm_call` may use, by name. */
  llmModels?: LlmModelRegistry;
  /** KINFLOW_HOME_ASSISTANT_URL and _TOKEN. */
  homeAssistant?: HomeAssistantSettings;
}

/** A step type whose setting is missing: refused at save time and at run time with this code. */
export class StepNotConfiguredError extends Error {
  override name = 'StepNotConfiguredError';
  readonly code = 'not_configured';
}

export interface StepTypeDefinition<Schema extends z.ZodType = z.ZodType> {
  type: string;
  category: StepCategory;
  title: string;
  description: string;
  configSchema: Schema;
  ports: StepPort[];
  /** Extra save-time checks that need more than the JSON Schema (and may consult the server's settings). */
  check?: (config: z.output<Schema>, settings?: StepSettings) => ConfigIssue[];
  /**
   * Why the type cannot run on this server (a required setting is missing), or undefined when it can.
   * An unavailable type is left out of `stepTypes` and refused at save time as `not_configured`.
   */
  unavailable?: (settings: StepSettings) => string | undefined;
  /**
   * JSON Schema keywords merged into top-level config properties for this server, e.g. the configured
   * model names as an `enum` for llm_call.model, so the PWA form offers them as choices.
   */
  schemaHints?: (settings: StepSettings) => Record<string, Record<string, unknown>>;
  /**
   * Output keys the step merges flat into the pipeline data, so save-time checks and autocomplete know
   * them (e.g. interactive_prompt's output key, auto_escalate_triggered).
   */
  writes?: (config: z.output<Schema>) => string[];
  run?: (context: StepContext<z.output<Schema>>) => Promise<StepResult> | StepResult;
  /**
   * How long the step may take by its own config (a sleep's seconds, a request's timeout), in ms. The
   * engine never times the step out before this (plus a margin), whatever the flow's default timeout.
   */
  declaredDurationMs?: (config: z.output<Schema>) => number;
  /**
   * Top-level config fields the engine passes to `run` unrendered because the step renders them itself
   * (for_each_node renders its action once per node). Save-time checks let their templates use `node`.
   */
  deferredFields?: string[];
  /**
   * Top-level config fields that are not templates at all (script's code): never rendered, and not
   * checked as templates at save time, so `{value}` or `{{` in JavaScript stays as written.
   */
  verbatimFields?: string[];
  /** Version of the config shape, written into bundles; 1 when absent. Bump it with a migration. */
  configVersion?: number;
  /** `migrations[n]` turns a version-n config into version n + 1 (for every n below `configVersion`). */
  migrations?: Record<number, ConfigMigration>;
  /**
   * For a trigger whose payload has a fixed shape: its top-level keys, so save-time checks refuse
   * `trigger.payload.<other>` (suggesting `trigger.payload.<suggest>.<other>`) and dataKeys lists them.
   */
  payload?: { keys: string[]; suggest?: string };
  /** Config fields that refer to nodes, flows or tablets (checked and normalised at save time). */
  references?: StepReference[];
}

/**
 * Turns a config of version N into one of version N + 1. Pure: no I/O, no clock, input left untouched,
 * so bundles written by an older Kinflow import the same way every time.
 */
export type ConfigMigration = (config: Readonly<Record<string, unknown>>) => Record<string, unknown>;

/** Identity helper that keeps the config type flowing from the schema into `run`. */
export function defineStepType<Schema extends z.ZodType>(
  definition: StepTypeDefinition<Schema>,
): StepTypeDefinition<Schema> {
  return definition;
}

export const MAIN_PORT: StepPort = { name: 'main', label: 'Next' };

/** How `onError: skip` treats a type with an `error` port (the engine's runner implements it). */
export const SKIP_RULE =
  'With onError: skip, a failure continues here when an edge leaves this port, otherwise on main; either way the step is recorded as failed, not skipped.';

/** The `error` port of action types that can fail. */
export const ERROR_PORT: StepPort = { name: 'error', label: 'Failed', description: SKIP_RULE };
