/** The node_event step config (see steps/node-event.ts), after schema defaults. */
export interface NodeEventTriggerConfig {
  event: 'registered' | 'online' | 'offline' | 'state_changed' | 'custom';
  nodeId?: string;
  customEvent?: string;
  offlineAfterSeconds?: number;
}

export interface LivenessNode {
  id: string;
  name: string;
}

interface Base {
  node: LivenessNode;
  at: Date;
}
export type NodeLifecycleEvent =
  | (Base & { type: 'registered' })
  | (Base & { type: 'online'; lastSeenAt: Date; silentSeconds: number })
  | (Base & { type: 'offline'; lastSeenAt: Date; silentSeconds: number; afterSeconds: number })
  | (Base & { type: 'state_changed'; state: unknown; previousState: unknown })
  | (Base & { type: 'custom'; name: string; payload: unknown });

export interface KnownNode extends LivenessNode {
  lastSeenAt?: Date | null;
  status?: 'unknown' | 'online' | 'offline';
  state?: unknown;
}

export interface NodeLivenessOptions {
  clock?: () => Date;
  /** When no node_event trigger says otherwise. Default 120 s (the step's default). */
  defaultOfflineAfterSeconds?: number;
}

interface Tracked {
  node: LivenessNode;
  lastSeen: number | null;
  /** How many of the node's thresholds (ascending) have had their offline event since it was last seen. */
  offlineEmitted: number;
  state: unknown;
}

/**
 * Node lifecycle from heartbeats. Every reading or event is a heartbeat; tick(now) declares silent
 * nodes offline. Thresholds come from node_event triggers, so one flow can ask for 60 s and another
 * for 10 min on the same node: each gets an offline event at its own threshold, carrying
 * `afterSeconds` for matching. The default threshold always applies and drives the node's status.
 */
export class NodeLiveness {
  private readonly nodes = new Map<string, Tracked>();
  private readonly configsByFlow = new Map<string, NodeEventTriggerConfig[]>();
  private thresholdsForAll: number[] = [];
  private readonly thresholdsByNode = new Map<string, number[]>();
  private readonly clock: () => Date;
  private readonly defaultSeconds: number;

  constructor(options: NodeLivenessOptions = {}) {
    this.clock = options.clock ?? (() => new Date());
    this.defaultSeconds = options.defaultOfflineAfterSeconds ?? 120;
    this.rebuildThresholds();
  }

  /** Nodes from the database at start: no events; a node stored as offline is not announced again. */
  load(nodes: Iterable<KnownNode>): void {
    for (const node of nodes) {
      const lastSeen = node.lastSeenAt ? node.lastSeenAt.getTime() : null;
      const tracked: Tracked = {
        node: { id: node.id, name: node.name },
        lastSeen,
        offlineEmitted: 0,
        state: node.state,
      };
      // "Every threshold already announced", whatever thresholds the flows registered later add.
      if (node.status === 'offline') tracked.offlineEmitted = Number.MAX_SAFE_INTEGER;
      this.nodes.set(node.id, tracked);
    }
  }

  /** A node was created (API or auto-registration). */
  add(node: LivenessNode, at: Date = this.clock()): NodeLifecycleEvent[] {
    if (this.nodes.has(node.id)) return [];
    this.nodes.set(node.id, {
      node: { id: node.id, name: node.name },
      lastSeen: null,
      offlineEmitted: 0,
      state: undefined,
    });
    return [{ type: 'registered', node, at }];
  }

  remove(nodeId: string): void {
    this.nodes.delete(nodeId);
  }

  /** A heartbeat (any reading or event). Returns registered/online events it causes. */
  seen(node: LivenessNode, at: Date = this.clock()): NodeLifecycleEvent[] {
    const events = this.add(node, at);
    const tracked = this.nodes.get(node.id)!;
    tracked.node = { id: node.id, name: node.name };
    const time = at.getTime();
    if (tracked.lastSeen !== null && time < tracked.lastSeen) return events; // out of order, nothing new
    if (tracked.offlineEmitted > 0 && tracked.lastSeen !== null) {
      const silentSeconds = (time - tracked.lastSeen) / 1000;
      events.push({ type: 'online', node, at, lastSeenAt: new Date(tracked.lastSeen), silentSeconds });
    }
    tracked.lastSeen = time;
    tracked.offlineEmitted = 0;
    return events;
  }

  /** A node's `state` (a metric or attribute) was reported; state_changed when it differs from the last one known. */
  setState(node: LivenessNode, state: unknown, at: Date = this.clock()): NodeLifecycleEvent[] {
    const events = this.seen(node, at);
    const tracked = this.nodes.get(node.id)!;
    const previousState = tracked.state;
    tracked.state = state;
    // The very first state is a baseline, not a change; otherwise a restart would announce every node.
    if (previousState !== undefined && previousState !== state) {
      events.push({ type: 'state_changed', node, at, state, previousState });
    }
    return events;
  }

  /** Readings as the intake hands them out: heartbeats, and the `state` metric drives state_changed. */
  observe(
    readings: Iterable<{ node: LivenessNode; metric: string; value: unknown }>,
    at: Date = this.clock(),
  ): NodeLifecycleEvent[] {
    const events: NodeLifecycleEvent[] = [];
    for (const reading of readings) {
      events.push(
        ...(reading.metric === 'state'
          ? this.setState(reading.node, reading.value, at)
          : this.seen(reading.node, at)),
      );
    }
    return events;
  }

  /** A custom event posted for a node (also a heartbeat). */
  custom(node: LivenessNode, name: string, payload: unknown, at: Date = this.clock()): NodeLifecycleEvent[] {
    return [...this.seen(node, at), { type: 'custom', node, at, name, payload }];
  }

  /** Offline events for nodes silent past a threshold since the last tick. Never-seen nodes are not judged. */
  tick(now: Date = this.clock()): NodeLifecycleEvent[] {
    const events: NodeLifecycleEvent[] = [];
    const time = now.getTime();
    for (const tracked of this.nodes.values()) {
      if (tracked.lastSeen === null) continue;
      const thresholds = this.thresholdsOf(tracked.node.id);
      const silentMs = time - tracked.lastSeen;
      while (
        tracked.offlineEmitted < thresholds.length &&
        silentMs >= thresholds[tracked.offlineEmitted]! * 1000
      ) {
        const afterSeconds = thresholds[tracked.offlineEmitted++]!;
        events.push({
          type: 'offline',
          node: tracked.node,
          at: now,
          lastSeenAt: new Date(tracked.lastSeen),
          silentSeconds: silentMs / 1000,
          afterSeconds,
        });
      }
    }
    return events;
  }

  status(nodeId: string): 'unknown' | 'online' | 'offline' {
    const tracked = this.nodes.get(nodeId);
    if (!tracked || tracked.lastSeen === null) return 'unknown';
    return tracked.offlineEmitted > 0 ? 'offline' : 'online';
  }

  /** Registers a flow's node_event steps (none for a disabled or deleted flow). */
  saveFlow(flowId: string, configs: readonly NodeEventTriggerConfig[]): void {
    if (configs.length === 0) this.configsByFlow.delete(flowId);
    else this.configsByFlow.set(flowId, [...configs]);
    this.rebuildThresholds();
  }

  deleteFlow(flowId: string): void {
    this.saveFlow(flowId, []);
  }

  /** Ascending offline thresholds in seconds that apply to a node. */
  thresholdsOf(nodeId: string): readonly number[] {
    return this.thresholdsByNode.get(nodeId) ?? this.thresholdsForAll;
  }

  private rebuildThresholds(): void {
    const forAll = new Set([this.defaultSeconds]);
    const pinned = new Map<string, Set<number>>();
    for (const configs of this.configsByFlow.values()) {
      for (const config of configs) {
        if (config.event !== 'offline') continue;
        const seconds = config.offlineAfterSeconds ?? this.defaultSeconds;
        if (config.nodeId === undefined) forAll.add(seconds);
        else pinned.set(config.nodeId, (pinned.get(config.nodeId) ?? new Set()).add(seconds));
      }
    }
    const sorted = (set: Set<number>) => [...set].sort((a, b) => a - b);
    this.thresholdsForAll = sorted(forAll);
    this.thresholdsByNode.clear();
    for (const [nodeId, set] of pinned)
      this.thresholdsByNode.set(nodeId, sorted(new Set([...forAll, ...set])));
  }
}

/** Whether a node_event trigger config wants this event. */
export function matchesNodeEvent(
  config: NodeEventTriggerConfig,
  event: NodeLifecycleEvent,
  defaultOfflineAfterSeconds = 120,
): boolean {
  if (config.event !== event.type) return false;
  if (config.nodeId !== undefined && config.nodeId !== event.node.id) return false;
  if (event.type === 'offline')
    return (config.offlineAfterSeconds ?? defaultOfflineAfterSeconds) === event.afterSeconds;
  if (event.type === 'custom') return config.customEvent === event.name;
  return true;
}

/** The trigger payload: HALO's {node_id} {node_name} plus what the event knows. */
export function nodeEventPayload(event: NodeLifecycleEvent): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    node_id: event.node.id,
    node_name: event.node.name,
    event: event.type,
    at: event.at.toISOString(),
  };
  if (event.type === 'online' || event.type === 'offline') {
    payload.last_seen_at = event.lastSeenAt.toISOString();
    payload.silent_seconds = Math.round(event.silentSeconds);
  }
  if (event.type === 'offline') payload.offline_after_seconds = event.afterSeconds;
  if (event.type === 'state_changed')
    Object.assign(payload, { state: event.state, previous_state: event.previousState });
  if (event.type === 'custom') Object.assign(payload, { custom_event: event.name, payload: event.payload });
  return payload;
}
