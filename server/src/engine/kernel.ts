import type { StepTypeRegistry } from '../steps/registry.js';
import type { FlowCatalog } from './catalog.js';
import type { AlertEventBus, ExecutionEventBus } from './events.js';
import type { RunState } from './run-state.js';
import type { ExecutionStore } from './store.js';
import type { ExecutionRecord, PipelineExecutionEvent, TriggerInput } from './types.js';

/** Resolved engine settings. */
export interface EngineSettings {
  timezone: string;
  lateGraceMs: number;
  maxSleepMs: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  stopGraceMs: number;
  delay: (ms: number, signal: AbortSignal) => Promise<void>;
  services: Record<string, unknown>;
  /** Opens sealed config values; configs without any need none. */
  secrets?: { open(sealed: string): string };
  log: (message: string, error?: unknown) => void;
}

/** What the engine's parts share. Internal: nothing outside server/src/engine sees it. */
export interface Kernel {
  settings: EngineSettings;
  registry: StepTypeRegistry;
  store: ExecutionStore;
  catalog: FlowCatalog;
  events: ExecutionEventBus;
  alertEvents: AlertEventBus;
  /** Runs this process is responsible for: pending, running or waiting. */
  active: Map<string, RunState>;
  now(): Date;
  /** Cooldown step state by flow id + key (last pass, ms); backed by `$cooldown.*` flow variables. */
  cooldowns: Map<string, number>;
  trigger(input: TriggerInput): Promise<ExecutionRecord>;
}

type EventFields = Omit<PipelineExecutionEvent, 'executionId' | 'flowId' | 'flowName' | 'seq' | 'at'>;

/** Numbers the event and publishes it once the state it reports is committed. */
export function emit(k: Kernel, run: RunState, fields: EventFields): void {
  const seq = ++run.eventSeq;
  // Always logged, so a subscriber that reconnects later can replay it.
  const event: PipelineExecutionEvent = {
    executionId: run.id,
    flowId: run.flowId,
    flowName: run.flowName,
    seq,
    at: k.now(),
    ...fields,
  };
  k.store.insertEvent(event);
  k.store.afterNextCommit(() => {
    if (k.events.hasListeners) k.events.publish(event);
  });
}
