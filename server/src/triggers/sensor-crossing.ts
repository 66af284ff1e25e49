import { compare, type ComparisonOperator } from '../steps/shared-schemas.js';
import { stepId } from './fire.js';

/** The sensor_value step config (see steps/sensor-value.ts), after schema defaults. */
export interface SensorTriggerConfig {
  metric: string;
  nodeId?: string;
  nodeTags?: readonly string[];
  nodeKind?: string;
  operator: ComparisonOperator;
  value: number;
  hysteresis?: number;
  forSeconds?: number;
}

/** One sensor_value step of one flow. */
export interface SensorTrigger {
  flowId: string;
  stepKey: string;
  config: SensorTriggerConfig;
}

export interface SensorNode {
  id: string;
  name: string;
  kind: string;
  tags: readonly string[];
}

export interface SensorReading {
  node: SensorNode;
  metric: string;
  value: number;
  recordedAt: Date;
}

/** The HALO context variables, filled from the crossing ({node_id} {node_name} {metric} …). */
export interface SensorFirePayload extends Record<string, unknown> {
  node_id: string;
  node_name: string;
  metric: string;
  value: number;
  threshold: number;
  operator: ComparisonOperator;
  previous_value: number | null;
  recorded_at: string;
  /** With forSeconds: how long the condition had held when it fired. */
  held_seconds?: number;
}

/** Shaped like the engine's TriggerInput, so a fire can be handed over as is. */
export interface SensorFire {
  flowId: string;
  triggerStepKey: string;
  triggerType: 'sensor_value';
  payload: SensorFirePayload;
  firedAt: Date;
}

/** Every given selector must match; a trigger without any watches every node. */
export function matchesNode(config: SensorTriggerConfig, node: SensorNode): boolean {
  if (config.nodeId !== undefined && config.nodeId !== node.id) return false;
  if (config.nodeKind !== undefined && config.nodeKind !== node.kind) return false;
  if (config.nodeTags?.length && !config.nodeTags.every((tag) => node.tags.includes(tag))) return false;
  return true;
}

/**
 * True once the value is back on the safe side by more than the hysteresis, e.g. `> 30` with
 * hysteresis 1 re-arms at <= 29. `!=` has no "distance" to fall back by, so it re-arms at == value.
 */
export function rearms(config: SensorTriggerConfig, value: number): boolean {
  const h = config.hysteresis ?? 0;
  const t = config.value;
  switch (config.operator) {
    case '>':
      return value <= t - h;
    case '>=':
      return value < t - h;
    case '<':
      return value >= t + h;
    case '<=':
      return value > t + h;
    case '==':
      return Math.abs(value - t) > h;
    case '!=':
      return value === t;
  }
}

/** Where one (trigger, node) pair stands. */
interface CrossingState {
  /** May fire: false from a fire until the value re-arms. */
  armed: boolean;
  /** With forSeconds: when the condition started holding, and the reading that began/continues it. */
  pendingSince: number | null;
  pending: { reading: SensorReading; previous: number | null } | null;
  last: number | null;
  /** recordedAt of the newest reading applied; an older one (a backlog upload) cannot cross anything. */
  lastAt: number;
}

/** A node's last known value of the trigger's metric, e.g. the telemetry store's latest. */
export interface KnownValue {
  node: SensorNode;
  value: number;
  recordedAt?: Date;
}

export interface EvaluatorOptions {
  clock?: () => Date;
}

const triggerId = (t: Pick<SensorTrigger, 'flowId' | 'stepKey'>) => stepId(t.flowId, t.stepKey);

/**
 * Edge-triggered evaluation of sensor_value triggers. Pure apart from its own state: time comes from
 * the injected clock or the `now` arguments, and firing returns values instead of starting runs.
 */
export class SensorCrossingEvaluator {
  private readonly states = new Map<string, Map<string, CrossingState>>();
  /** States waiting out a `forSeconds`, so tick() does not walk every state. */
  private readonly pending = new Map<CrossingState, SensorTrigger>();
  private readonly clock: () => Date;

  constructor(private readonly options: EvaluatorOptions = {}) {
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Starts a trigger's per-node states from the last known values (the telemetry store's latest), so a
   * restart or a re-saved flow does not fire again for a condition that already held. A node never
   * seeded starts armed: its first reading inside the condition counts as a crossing.
   */
  seed(trigger: SensorTrigger, known: Iterable<KnownValue>): void {
    const { config } = trigger;
    for (const { node, value, recordedAt } of known) {
      if (!matchesNode(config, node)) continue;
      const state = this.stateFor(trigger, node.id);
      state.armed = !compare(value, config.operator, config.value);
      state.last = value;
      if (recordedAt) state.lastAt = recordedAt.getTime();
    }
  }

  /** Feeds one reading to one trigger; returns the fire, if this reading makes it fire. */
  evaluate(trigger: SensorTrigger, reading: SensorReading, now: Date = this.clock()): SensorFire | null {
    const { config } = trigger;
    if (reading.metric !== config.metric || !matchesNode(config, reading.node)) return null;
    const state = this.stateFor(trigger, reading.node.id);
    const recordedAt = reading.recordedAt.getTime();
    if (recordedAt < state.lastAt) return null;
    state.lastAt = recordedAt;
    const previous = state.last;
    state.last = reading.value;
    if (!state.armed) {
      if (rearms(config, reading.value)) state.armed = true;
      return null;
    }
    if (!compare(reading.value, config.operator, config.value)) {
      this.cancel(state); // leaving the condition cancels a pending `for`
      return null;
    }
    const forMs = (config.forSeconds ?? 0) * 1000;
    if (forMs === 0) return this.fire(trigger, state, reading, previous, now, null);
    if (state.pendingSince === null) {
      state.pendingSince = now.getTime();
      state.pending = { reading, previous };
      this.pending.set(state, trigger);
    } else if (state.pending) {
      // previous_value stays the value from before the crossing, not the one before this reading.
      state.pending = { reading, previous: state.pending.previous };
    }
    return this.due(trigger, state, now);
  }

  /** Fires every pending `for` that has now held long enough, even without a new reading. */
  tick(now: Date = this.clock()): SensorFire[] {
    const fires: SensorFire[] = [];
    for (const [state, trigger] of this.pending) {
      const fire = this.due(trigger, state, now);
      if (fire) fires.push(fire);
    }
    return fires;
  }

  /** How many (trigger, node) pairs are waiting out a `for`. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Drops a trigger's state (its flow was saved or deleted). */
  forget(trigger: Pick<SensorTrigger, 'flowId' | 'stepKey'>): void {
    const id = triggerId(trigger);
    for (const state of this.states.get(id)?.values() ?? []) this.pending.delete(state);
    this.states.delete(id);
  }

  forgetNode(nodeId: string): void {
    for (const byNode of this.states.values()) {
      const state = byNode.get(nodeId);
      if (state) this.pending.delete(state);
      byNode.delete(nodeId);
    }
  }

  private due(trigger: SensorTrigger, state: CrossingState, now: Date): SensorFire | null {
    if (state.pendingSince === null || !state.pending) return null;
    const held = now.getTime() - state.pendingSince;
    if (held < (trigger.config.forSeconds ?? 0) * 1000) return null;
    const { reading, previous } = state.pending;
    return this.fire(trigger, state, reading, previous, now, held / 1000);
  }

  private fire(
    trigger: SensorTrigger,
    state: CrossingState,
    reading: SensorReading,
    previous: number | null,
    now: Date,
    heldSeconds: number | null,
  ): SensorFire {
    state.armed = false;
    this.cancel(state);
    const payload: SensorFirePayload = {
      node_id: reading.node.id,
      node_name: reading.node.name,
      metric: reading.metric,
      value: reading.value,
      threshold: trigger.config.value,
      operator: trigger.config.operator,
      previous_value: previous,
      recorded_at: reading.recordedAt.toISOString(),
    };
    if (heldSeconds !== null) payload.held_seconds = heldSeconds;
    return {
      flowId: trigger.flowId,
      triggerStepKey: trigger.stepKey,
      triggerType: 'sensor_value',
      payload,
      firedAt: now,
    };
  }

  private cancel(state: CrossingState): void {
    state.pendingSince = null;
    state.pending = null;
    this.pending.delete(state);
  }

  private stateFor(trigger: SensorTrigger, nodeId: string): CrossingState {
    const id = triggerId(trigger);
    let byNode = this.states.get(id);
    if (!byNode) this.states.set(id, (byNode = new Map()));
    let state = byNode.get(nodeId);
    if (!state) {
      state = { armed: true, pendingSince: null, pending: null, last: null, lastAt: -Infinity };
      byNode.set(nodeId, state);
    }
    return state;
  }
}
