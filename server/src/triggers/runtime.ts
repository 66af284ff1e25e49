import type { Orm } from '../db/orm.js';
import { rawDatabase, type SqliteDatabase } from '../engine/sqlite.js';
import type { StepTypeRegistry } from '../steps/registry.js';
import type { LatestValue } from '../telemetry/preview.js';
import type { NodeRef } from '../telemetry/readings.js';
import type { NodeReading } from '../telemetry/intake.js';
import type { TriggerFire } from './fire.js';
import { HaStateTriggers, type HaStateTriggerConfig, type StateChangeSource } from './ha-state.js';
import { SensorTriggerRegistry } from './index-by-metric.js';
import {
  matchesNodeEvent,
  nodeEventPayload,
  type NodeEventTriggerConfig,
  type NodeLifecycleEvent,
} from './node-liveness.js';
import { ScheduleTriggers, type ScheduleConfig } from './schedules.js';
import type { SensorTriggerConfig } from './sensor-crossing.js';
import { loadTriggerSteps, TriggerStateStore, type TriggerStep } from './trigger-steps.js';
import { WebhookTriggers, type WebhookTriggersOptions } from './webhooks.js';
import type { RateLimits } from './webhook-limits.js';

/** What the runtime needs of telemetry (server/src/telemetry/runtime.ts provides it). */
export interface TelemetrySource {
  intake: { onReadings(listener: (readings: NodeReading[], at: Date) => void): () => void };
  onLifecycle(listener: (event: NodeLifecycleEvent) => void): () => void;
  onNodeRemoved(listener: (nodeId: string) => void): () => void;
  liveness: { saveFlow(flowId: string, configs: readonly NodeEventTriggerConfig[]): void };
  store: { latestForMetric(metric: string): LatestValue[] };
  nodes: { find(idOrName: string): NodeRef | undefined };
}

export interface TriggerRuntimeOptions {
  orm: Orm;
  registry: StepTypeRegistry;
  telemetry: TelemetrySource;
  /** Starts a run; the engine's `trigger`. Refusals (cool-off, disabled flow) are the engine's call. */
  start: (fire: TriggerFire) => Promise<unknown>;
  tickMs: number;
  clock?: () => Date;
  missedRunGraceMs?: number;
  webhookRateLimit?: WebhookTriggersOptions['rateLimit'];
  /** Where webhook rate-limit counters live; Redis makes the limits cluster-wide. */
  limiterStore?: WebhookTriggersOptions['limiterStore'];
  /** State changes for ha_state triggers (the shared Home Assistant connection); none when HA is not configured. */
  homeAssistant?: StateChangeSource;
  onError?: (scope: string, error: unknown) => void;
}

/**
 * Everything that starts a flow on its own: sensor_value (evaluated inline as each reading is stored,
 * through a metric index), node_event, schedule, webhook and ha_state triggers, plus the scheduler tick that
 * catches what inline evaluation cannot see (`for` durations, silent nodes, late timers).
 * It follows flow saves through `syncFlow`, so no request ever scans all flows.
 */
export class TriggerRuntime {
  readonly sensors: SensorTriggerRegistry;
  readonly schedules: ScheduleTriggers;
  readonly webhooks: WebhookTriggers;
  readonly homeAssistant: HaStateTriggers;
  private readonly nodeEvents = new Map<string, Array<{ stepKey: string; config: NodeEventTriggerConfig }>>();
  private readonly clock: () => Date;
  private readonly report: (scope: string, error: unknown) => void;
  private readonly unsubscribe: Array<() => void> = [];
  private timer?: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<unknown>>();

  private constructor(
    private readonly options: TriggerRuntimeOptions,
    private readonly db: SqliteDatabase,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.report = options.onError ?? ((scope, error) => console.error(`triggers ${scope}:`, error));
    const state = new TriggerStateStore(db);
    const { telemetry } = options;
    this.sensors = new SensorTriggerRegistry({
      clock: this.clock,
      knownValues: (metric) =>
        telemetry.store.latestForMetric(metric).flatMap((latest) => {
          const node = telemetry.nodes.find(latest.nodeId);
          return node ? [{ node, value: latest.value, recordedAt: latest.recordedAt }] : [];
        }),
    });
    this.schedules = new ScheduleTriggers({
      state,
      clock: this.clock,
      fire: (fire) => this.fire(fire),
      onError: (error) => this.report('schedule', error),
      ...(options.missedRunGraceMs !== undefined && { missedRunGraceMs: options.missedRunGraceMs }),
    });
    this.homeAssistant = new HaStateTriggers(options.homeAssistant, (fire) => this.fire(fire));
    this.webhooks = new WebhookTriggers({
      state,
      clock: this.clock,
      ...(options.webhookRateLimit && { rateLimit: options.webhookRateLimit }),
      ...(options.limiterStore && { limiterStore: options.limiterStore }),
    });
  }

  static async start(options: TriggerRuntimeOptions): Promise<TriggerRuntime> {
    const runtime = new TriggerRuntime(options, await rawDatabase(options.orm));
    runtime.load(undefined, true);
    const { telemetry } = options;
    runtime.unsubscribe.push(
      telemetry.intake.onReadings((readings, at) => runtime.onReadings(readings, at)),
      telemetry.onLifecycle((event) => runtime.onNodeEvent(event)),
      // Crossing state is kept per node; a deleted node's would otherwise stay for good.
      telemetry.onNodeRemoved((nodeId) => runtime.sensors.forgetNode(nodeId)),
    );
    runtime.timer = setInterval(() => runtime.tick(), options.tickMs);
    runtime.timer.unref();
    return runtime;
  }

  /** Re-reads one flow's trigger steps after it was saved, enabled, disabled or deleted. */
  syncFlow(flowId: string): void {
    this.load(flowId, false);
  }

  /** The scheduler tick; also callable directly (tests, a controllable clock). */
  tick(now: Date = this.clock()): void {
    try {
      for (const fire of this.sensors.tick(now)) this.fire(fire);
      this.schedules.tick(now);
    } catch (error) {
      this.report('tick', error);
    }
  }

  /** Hands a webhook request to its trigger; resolves with the run the engine started. */
  async receiveWebhook(...args: Parameters<WebhookTriggers['receive']>) {
    const outcome = await this.webhooks.receive(...args);
    if (outcome.kind !== 'fire') return { outcome, run: undefined };
    return { outcome, run: await this.options.start(outcome.fire) };
  }

  /** Waits for the runs fired so far to be accepted by the engine, then stops every timer. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    this.schedules.stop();
    this.homeAssistant.stop();
    await Promise.allSettled([...this.inFlight]);
  }

  private load(flowId: string | undefined, atBoot: boolean): void {
    const steps = loadTriggerSteps(this.db, this.options.registry, flowId, (step, message) =>
      this.report('config', new Error(`flow ${step.flowId} step "${step.stepKey}": ${message}`)),
    );
    const byFlow = new Map<string, TriggerStep[]>();
    if (flowId) byFlow.set(flowId, []);
    for (const step of steps) {
      const list = byFlow.get(step.flowId) ?? [];
      list.push(step);
      byFlow.set(step.flowId, list);
    }
    for (const [id, flowSteps] of byFlow) this.register(id, flowSteps, atBoot);
  }

  private register(flowId: string, steps: TriggerStep[], atBoot: boolean): void {
    const ofType = (type: TriggerStep['type']) => steps.filter((step) => step.type === type);
    this.sensors.saveFlow(
      flowId,
      ofType('sensor_value').map((s) => ({
        stepKey: s.stepKey,
        config: s.config as unknown as SensorTriggerConfig,
      })),
    );
    const nodeEvents = ofType('node_event').map((s) => ({
      stepKey: s.stepKey,
      config: s.config as unknown as NodeEventTriggerConfig,
    }));
    if (nodeEvents.length) this.nodeEvents.set(flowId, nodeEvents);
    else this.nodeEvents.delete(flowId);
    this.options.telemetry.liveness.saveFlow(
      flowId,
      nodeEvents.map((s) => s.config),
    );
    this.schedules.saveFlow(
      flowId,
      ofType('schedule').map((s) => ({ stepKey: s.stepKey, config: s.config as unknown as ScheduleConfig })),
      atBoot,
    );
    this.homeAssistant.saveFlow(
      flowId,
      ofType('ha_state').map((s) => ({
        stepKey: s.stepKey,
        config: s.config as unknown as HaStateTriggerConfig,
      })),
    );
    this.webhooks.saveFlow(
      flowId,
      ofType('webhook').map((s) => ({
        stepKey: s.stepKey,
        includeHeaders: (s.config.includeHeaders as string[] | undefined) ?? [],
        rateLimit: (s.config.rateLimit as Partial<RateLimits> | undefined) ?? {},
      })),
    );
  }

  private onReadings(readings: NodeReading[], at: Date): void {
    // The reading's own node carries name, kind and tags for selectors and {node_name}.
    for (const fire of this.sensors.onReadings(readings, at)) this.fire(fire);
  }

  private onNodeEvent(event: NodeLifecycleEvent): void {
    for (const [flowId, steps] of this.nodeEvents) {
      for (const { stepKey, config } of steps) {
        if (!matchesNodeEvent(config, event)) continue;
        this.fire({
          flowId,
          triggerStepKey: stepKey,
          triggerType: 'node_event',
          payload: nodeEventPayload(event),
        });
      }
    }
  }

  private fire(fire: TriggerFire): void {
    const started = this.options
      .start(fire)
      .catch((error: unknown) =>
        this.report(`${fire.triggerType} ${fire.flowId}/${fire.triggerStepKey}`, error),
      )
      .finally(() => this.inFlight.delete(started));
    this.inFlight.add(started);
  }
}
