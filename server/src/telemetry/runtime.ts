import type { EventSubscriber, FlushEventArgs } from '@mikro-orm/core';
import { GatewayNode } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import type { KinflowConfig } from '../config/index.js';
import { NodeLiveness, type NodeLifecycleEvent } from '../triggers/node-liveness.js';
import { TelemetryIntake } from './intake.js';
import { MqttIntake } from './mqtt.js';
import { loadNodeDirectory, parseNodeTags, type MemoryNodeDirectory } from './nodes.js';
import { SqliteTelemetryPersistence } from './sqlite-persistence.js';
import { TelemetryStore } from './store.js';

export interface TelemetryRuntimeOptions {
  orm: Orm;
  config: Pick<
    KinflowConfig,
    'mqttUrl' | 'mqttTopicPrefix' | 'telemetryAutoRegister' | 'schedulerTickMs' | 'quiet'
  > &
    Partial<Pick<KinflowConfig, 'mqttClientId'>>;
  clock?: () => Date;
  /** Silence after which a node counts as offline (its status); node_event triggers may add more thresholds. */
  offlineAfterSeconds?: number;
  /** Where background failures go; console.error by default. */
  onError?: (scope: string, error: unknown) => void;
}

/**
 * Everything telemetry needs at run time, started once by the app. How the rest of the server uses it:
 *  - `intake.ingest` / `intake.nodeEvent`: the one door GraphQL, REST and MQTT go through;
 *  - `intake.onReadings(fn)`: stored readings, in arrival order (inline sensor_value triggers);
 *  - `onLifecycle(fn)`: registered / online / offline / state_changed / custom node events
 *    (node_event triggers); `liveness.saveFlow` registers a flow's offline thresholds;
 *  - `nodes`: id/name → node lookup (kept in step with the nodes table by an ORM subscriber);
 *  - `store`: latest values, metric previews and metric names.
 */
export interface TelemetryRuntime {
  store: TelemetryStore;
  intake: TelemetryIntake;
  nodes: MemoryNodeDirectory;
  liveness: NodeLiveness;
  /** Present when MQTT_URL is set. */
  mqtt?: MqttIntake;
  onLifecycle(listener: (event: NodeLifecycleEvent) => void): () => void;
  /** A node was deleted (after its transaction committed): drop whatever you keep per node. */
  onNodeRemoved(listener: (nodeId: string) => void): () => void;
  /** A node was created, changed or deleted through this instance's ORM (for other instances' caches). */
  onNodeChanged(listener: (nodeId: string) => void): () => void;
  /**
   * Re-reads one node from the database after another instance changed it: the directory follows,
   * and a node that is gone is forgotten as a local delete would. Announces nothing (no "registered"
   * event): the instance that made the change already did.
   */
  refreshNode(nodeId: string): Promise<void>;
  /** Declares silent nodes offline (runs on its own timer too); returns the events it emitted. */
  tick(now?: Date): Promise<NodeLifecycleEvent[]>;
  /** Stops MQTT, then persists every acknowledged reading. Safe to call twice. */
  stop(): Promise<void>;
}

const DEFAULT_OFFLINE_AFTER_SECONDS = 120;

export async function startTelemetry(options: TelemetryRuntimeOptions): Promise<TelemetryRuntime> {
  const { orm, config } = options;
  const clock = options.clock ?? (() => new Date());
  const report =
    options.onError ?? ((scope: string, error: unknown) => console.error(`telemetry ${scope}:`, error));
  const offlineAfter = options.offlineAfterSeconds ?? DEFAULT_OFFLINE_AFTER_SECONDS;
  const connection = orm.em.getConnection();

  const persistence = await SqliteTelemetryPersistence.fromOrm(orm);
  // Small, frequent write-behind flushes: one big flush a second blocks the event loop for ~15 ms at
  // 1,000 readings/s, which is what a trigger's p99 latency would otherwise pay.
  const store = await TelemetryStore.open({
    persistence,
    clock,
    flushIntervalMs: 100,
    onError: (e) => report('store', e),
  });
  const nodes = await loadNodeDirectory(orm, clock);
  const intake = new TelemetryIntake({
    store,
    nodes,
    autoRegister: config.telemetryAutoRegister,
    clock,
    onError: (e) => report('listener', e),
  });

  const liveness = new NodeLiveness({ clock, defaultOfflineAfterSeconds: offlineAfter });
  const known = (await connection.execute('select id, name, status, last_seen_at from nodes')) as Array<{
    id: string;
    name: string;
    status: 'unknown' | 'online' | 'offline';
    last_seen_at: number | null;
  }>;
  liveness.load(
    known.map((n) => ({ ...n, lastSeenAt: n.last_seen_at === null ? null : new Date(n.last_seen_at) })),
  );

  const lifecycleListeners = new Set<(event: NodeLifecycleEvent) => void>();
  const emit = (events: readonly NodeLifecycleEvent[]) => {
    for (const event of events)
      for (const listener of lifecycleListeners) {
        try {
          listener(event);
        } catch (error) {
          report('lifecycle listener', error);
        }
      }
  };

  // Heartbeats: every stored reading and every node event. The store writes last_seen_at and
  // status 'online' with the readings (write-behind); an event has no reading, so it marks the node seen.
  intake.onRegistered((node) => {
    emit(liveness.add(node));
    for (const listener of changedListeners) listener(node.id);
  });
  intake.onReadings((readings, at) => emit(liveness.observe(readings, at)));
  intake.onNodeEvent((event) => {
    store.seen(event.node.id, event.at);
    emit(liveness.custom(event.node, event.name, event.payload, event.at));
  });

  // Nodes created, renamed or deleted through the ORM (API, demo, imports) reach the directory after
  // their transaction commits, so a reading never resolves to a node that was rolled back.
  const removedListeners = new Set<(nodeId: string) => void>();
  const changedListeners = new Set<(nodeId: string) => void>();
  const forget = (nodeId: string) => {
    nodes.remove(nodeId);
    store.forgetNode(nodeId);
    liveness.remove(nodeId);
    for (const listener of removedListeners) listener(nodeId);
  };
  const subscriber: EventSubscriber = {
    afterFlush: ({ uow }: FlushEventArgs) => {
      for (const changeSet of uow.getChangeSets()) {
        if (changeSet.meta.className !== GatewayNode.meta.className) continue;
        const node = changeSet.entity as GatewayNode;
        for (const listener of changedListeners) listener(node.id);
        if (changeSet.type === 'delete') {
          forget(node.id);
        } else {
          const ref = { id: node.id, name: node.name, kind: node.kind, tags: [...node.tags] };
          nodes.upsert(ref);
          if (changeSet.type === 'create') emit(liveness.add(ref));
        }
      }
    },
  };
  orm.em.getEventManager().registerSubscriber(subscriber);

  const refreshNode = async (nodeId: string): Promise<void> => {
    const [row] = (await connection.execute('select id, name, kind, tags from nodes where id = ?', [
      nodeId,
    ])) as Array<{ id: string; name: string; kind: string; tags: string | null }>;
    if (!row) {
      if (nodes.find(nodeId)?.id === nodeId) forget(nodeId);
      return;
    }
    const ref = { id: row.id, name: row.name, kind: row.kind, tags: parseNodeTags(row.tags) };
    nodes.upsert(ref);
    liveness.add(ref);
  };

  const tick = async (now: Date = clock()): Promise<NodeLifecycleEvent[]> => {
    const events = liveness.tick(now);
    // Only the default threshold drives the stored status; flows' own thresholds just fire triggers.
    const offline = events.filter((e) => e.type === 'offline' && e.afterSeconds === offlineAfter);
    for (const event of offline) {
      await connection.execute(`update nodes set status = 'offline', updated_at = ? where id = ?`, [
        now.getTime(),
        event.node.id,
      ]);
    }
    emit(events);
    return events;
  };
  const timer = setInterval(() => void tick().catch((e) => report('liveness', e)), config.schedulerTickMs);
  timer.unref();

  let mqtt: MqttIntake | undefined;
  if (config.mqttUrl) {
    mqtt = new MqttIntake({
      url: config.mqttUrl,
      prefix: config.mqttTopicPrefix,
      ...(config.mqttClientId && { clientId: config.mqttClientId }),
      sink: intake,
      onError: (e) => report('mqtt', e),
      onBadMessage: config.quiet
        ? undefined
        : (problem) => console.warn(`mqtt: ${problem.topic}: ${problem.reason}`),
      onStatus: (status, error) => {
        if (status === 'error') report('mqtt', error);
      },
    });
    // Connects in the background: an unreachable broker must not keep the server from starting.
    mqtt.start();
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(timer);
      await mqtt?.stop(); // commits and acknowledges what already arrived
      await store.close(); // persists everything acknowledged
      lifecycleListeners.clear();
    })());

  return {
    store,
    intake,
    nodes,
    liveness,
    ...(mqtt && { mqtt }),
    onLifecycle(listener) {
      lifecycleListeners.add(listener);
      return () => lifecycleListeners.delete(listener);
    },
    onNodeRemoved(listener) {
      removedListeners.add(listener);
      return () => removedListeners.delete(listener);
    },
    onNodeChanged(listener) {
      changedListeners.add(listener);
      return () => changedListeners.delete(listener);
    },
    refreshNode,
    tick,
    stop,
  };
}
