import {
  SensorCrossingEvaluator,
  type KnownValue,
  type SensorFire,
  type SensorReading,
  type SensorTrigger,
  type SensorTriggerConfig,
} from './sensor-crossing.js';

interface Bucket<T> {
  /** Entries pinned to one node id: a reading of another node never looks at them. */
  byNode: Map<string, T[]>;
  /** Entries with a tag/kind selector or none: checked for every node. */
  open: T[];
}

/**
 * metric → registrations, so a reading only meets the triggers that watch its metric (and, for pinned
 * triggers, its node) instead of a scan of every flow. Lookups are the hot path and changes are rare
 * (a flow is saved), so changes rebuild arrays and lookups hand them out without copying.
 */
export class MetricIndex<T> {
  private readonly byFlow = new Map<string, T[]>();
  private readonly byMetric = new Map<string, Bucket<T>>();

  constructor(private readonly keyOf: (entry: T) => { metric: string; nodeId?: string | undefined }) {}

  /** Replaces everything a flow registered (a flow save); returns the previous registrations. */
  replaceFlow(flowId: string, entries: readonly T[]): T[] {
    const previous = this.removeFlow(flowId);
    if (entries.length === 0) return previous;
    this.byFlow.set(flowId, [...entries]);
    for (const entry of entries) {
      const { metric, nodeId } = this.keyOf(entry);
      let bucket = this.byMetric.get(metric);
      if (!bucket) this.byMetric.set(metric, (bucket = { byNode: new Map(), open: [] }));
      if (nodeId === undefined) bucket.open = [...bucket.open, entry];
      else bucket.byNode.set(nodeId, [...(bucket.byNode.get(nodeId) ?? []), entry]);
    }
    return previous;
  }

  removeFlow(flowId: string): T[] {
    const previous = this.byFlow.get(flowId) ?? [];
    this.byFlow.delete(flowId);
    for (const entry of previous) {
      const { metric, nodeId } = this.keyOf(entry);
      const bucket = this.byMetric.get(metric);
      if (!bucket) continue;
      if (nodeId === undefined) bucket.open = bucket.open.filter((e) => e !== entry);
      else {
        const left = (bucket.byNode.get(nodeId) ?? []).filter((e) => e !== entry);
        if (left.length > 0) bucket.byNode.set(nodeId, left);
        else bucket.byNode.delete(nodeId);
      }
      if (bucket.open.length === 0 && bucket.byNode.size === 0) this.byMetric.delete(metric);
    }
    return previous;
  }

  /** The registrations a reading of this node and metric must be checked against. */
  candidates(metric: string, nodeId: string): readonly T[] {
    const bucket = this.byMetric.get(metric);
    if (!bucket) return [];
    const pinned = bucket.byNode.get(nodeId);
    if (!pinned) return bucket.open;
    return bucket.open.length === 0 ? pinned : [...pinned, ...bucket.open];
  }

  forMetric(metric: string): T[] {
    const bucket = this.byMetric.get(metric);
    return bucket ? [...[...bucket.byNode.values()].flat(), ...bucket.open] : [];
  }

  forFlow(flowId: string): readonly T[] {
    return this.byFlow.get(flowId) ?? [];
  }

  all(): T[] {
    return [...this.byFlow.values()].flat();
  }

  get size(): number {
    let size = 0;
    for (const entries of this.byFlow.values()) size += entries.length;
    return size;
  }
}

export interface SensorTriggerRegistryOptions {
  clock?: () => Date;
  /** Last known values of a metric per node (the telemetry store), to seed new or changed triggers. */
  knownValues?: (metric: string) => Iterable<KnownValue>;
}

/**
 * The sensor_value triggers of all enabled flows: the index plus the crossing evaluator. The flow
 * service calls saveFlow/deleteFlow; the telemetry intake calls onReadings; the scheduler calls tick.
 */
export class SensorTriggerRegistry {
  readonly index = new MetricIndex<SensorTrigger>((t) => ({
    metric: t.config.metric,
    nodeId: t.config.nodeId,
  }));
  private readonly evaluator: SensorCrossingEvaluator;
  private readonly clock: () => Date;

  constructor(private readonly options: SensorTriggerRegistryOptions = {}) {
    this.clock = options.clock ?? (() => new Date());
    this.evaluator = new SensorCrossingEvaluator({ clock: this.clock });
  }

  /**
   * Registers a flow's sensor_value steps (none for a disabled flow). A step whose config did not change
   * keeps its state, so saving an unrelated edit neither re-fires nor restarts a running `for`.
   */
  saveFlow(flowId: string, steps: ReadonlyArray<{ stepKey: string; config: SensorTriggerConfig }>): void {
    const previous = new Map(this.index.forFlow(flowId).map((t) => [t.stepKey, t]));
    const next: SensorTrigger[] = steps.map((s) => ({ flowId, stepKey: s.stepKey, config: s.config }));
    const kept = new Set<string>();
    for (const trigger of next) {
      const before = previous.get(trigger.stepKey);
      if (before && sameConfig(before.config, trigger.config)) kept.add(trigger.stepKey);
    }
    for (const before of previous.values()) if (!kept.has(before.stepKey)) this.evaluator.forget(before);
    // Kept triggers must stay the same objects: the evaluator's pending map holds them.
    const entries = next.map((t) => (kept.has(t.stepKey) ? previous.get(t.stepKey)! : t));
    this.index.replaceFlow(flowId, entries);
    for (const trigger of entries) {
      if (kept.has(trigger.stepKey)) continue;
      const known = this.options.knownValues?.(trigger.config.metric);
      if (known) this.evaluator.seed(trigger, known);
    }
  }

  deleteFlow(flowId: string): void {
    for (const trigger of this.index.removeFlow(flowId)) this.evaluator.forget(trigger);
  }

  forgetNode(nodeId: string): void {
    this.evaluator.forgetNode(nodeId);
  }

  /** Evaluates readings inline as they arrive; returns the triggers that fire, in reading order. */
  onReadings(readings: Iterable<SensorReading>, now: Date = this.clock()): SensorFire[] {
    const fires: SensorFire[] = [];
    for (const reading of readings) {
      for (const trigger of this.index.candidates(reading.metric, reading.node.id)) {
        const fire = this.evaluator.evaluate(trigger, reading, now);
        if (fire) fires.push(fire);
      }
    }
    return fires;
  }

  /** The scheduler's re-check: fires `for` conditions that have held long enough without new readings. */
  tick(now: Date = this.clock()): SensorFire[] {
    return this.evaluator.tick(now);
  }

  get pendingCount(): number {
    return this.evaluator.pendingCount;
  }
}

function sameConfig(a: SensorTriggerConfig, b: SensorTriggerConfig): boolean {
  const norm = (c: SensorTriggerConfig) =>
    JSON.stringify([
      c.metric,
      c.nodeId ?? null,
      [...(c.nodeTags ?? [])].sort(),
      c.nodeKind ?? null,
      c.operator,
      c.value,
      c.hysteresis ?? 0,
      c.forSeconds ?? 0,
    ]);
  return norm(a) === norm(b);
}
