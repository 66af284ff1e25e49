import { describe, expect, it } from 'vitest';
import {
  NodeLiveness,
  matchesNodeEvent,
  nodeEventPayload,
  type NodeLifecycleEvent,
} from './node-liveness.js';

const hall = { id: 'n-hall', name: 'Hall' };
const door = { id: 'n-door', name: 'Front door' };
const T0 = Date.parse('2026-05-01T08:00:00Z');

function harness(defaultOfflineAfterSeconds?: number) {
  let now = T0;
  const options = defaultOfflineAfterSeconds
    ? { clock: () => new Date(now), defaultOfflineAfterSeconds }
    : { clock: () => new Date(now) };
  const liveness = new NodeLiveness(options);
  return {
    liveness,
    advance: (seconds: number) => (now += seconds * 1000),
    types: (events: NodeLifecycleEvent[]) => events.map((e) => `${e.type}:${e.node.id}`),
  };
}

describe('node liveness', () => {
  it('registered on first sight, offline after 120 s of silence, online when it reports again', () => {
    const { liveness, advance, types } = harness();
    expect(types(liveness.seen(hall))).toEqual(['registered:n-hall']);
    advance(119);
    expect(liveness.tick()).toEqual([]);
    expect(liveness.status('n-hall')).toBe('online');
    advance(1);
    const offline = liveness.tick();
    expect(offline).toMatchObject([{ type: 'offline', afterSeconds: 120, silentSeconds: 120 }]);
    expect(liveness.status('n-hall')).toBe('offline');
    advance(600);
    expect(liveness.tick()).toEqual([]); // announced once, not on every tick
    const online = liveness.seen(hall);
    expect(online).toMatchObject([{ type: 'online', silentSeconds: 720 }]);
    expect(liveness.status('n-hall')).toBe('online');
  });

  it('a heartbeat resets the silence clock; nodes are judged independently', () => {
    const { liveness, advance, types } = harness();
    liveness.seen(hall);
    liveness.seen(door);
    advance(100);
    liveness.seen(hall);
    advance(30);
    expect(types(liveness.tick())).toEqual(['offline:n-door']);
  });

  it('uses offlineAfterSeconds from node_event triggers: per node, for all nodes, each threshold once', () => {
    const { liveness, advance } = harness();
    liveness.saveFlow('f1', [{ event: 'offline', nodeId: 'n-door', offlineAfterSeconds: 30 }]);
    liveness.saveFlow('f2', [{ event: 'offline', offlineAfterSeconds: 600 }, { event: 'online' }]);
    liveness.seen(hall);
    liveness.seen(door);
    expect(liveness.thresholdsOf('n-door')).toEqual([30, 120, 600]);
    expect(liveness.thresholdsOf('n-hall')).toEqual([120, 600]);
    advance(30);
    expect(liveness.tick().map((e) => [e.node.id, e.type === 'offline' && e.afterSeconds])).toEqual([
      ['n-door', 30],
    ]);
    advance(570);
    const late = liveness.tick().map((e) => [e.node.id, e.type === 'offline' && e.afterSeconds]);
    expect(late).toEqual([
      ['n-hall', 120],
      ['n-hall', 600],
      ['n-door', 120],
      ['n-door', 600],
    ]);
    liveness.deleteFlow('f1');
    expect(liveness.thresholdsOf('n-door')).toEqual([120, 600]);
  });

  it('matches events to trigger configs by type, node, threshold and custom name', () => {
    const { liveness, advance } = harness();
    liveness.saveFlow('f', [{ event: 'offline', offlineAfterSeconds: 60 }]);
    liveness.seen(hall);
    advance(120);
    const [at60, at120] = liveness.tick();
    expect(matchesNodeEvent({ event: 'offline', offlineAfterSeconds: 60 }, at60!)).toBe(true);
    expect(matchesNodeEvent({ event: 'offline', offlineAfterSeconds: 60 }, at120!)).toBe(false);
    expect(matchesNodeEvent({ event: 'offline' }, at120!)).toBe(true); // default 120
    expect(matchesNodeEvent({ event: 'offline', nodeId: 'n-door' }, at120!)).toBe(false);
    expect(matchesNodeEvent({ event: 'online' }, at120!)).toBe(false);
    const [custom] = liveness.custom(hall, 'button', { press: 'long' }).filter((e) => e.type === 'custom');
    expect(matchesNodeEvent({ event: 'custom', customEvent: 'button' }, custom!)).toBe(true);
    expect(matchesNodeEvent({ event: 'custom', customEvent: 'fall' }, custom!)).toBe(false);
    expect(nodeEventPayload(at60!)).toMatchObject({
      node_id: 'n-hall',
      node_name: 'Hall',
      event: 'offline',
      silent_seconds: 120,
      offline_after_seconds: 60,
    });
  });

  it('state_changed when the state metric changes, not on the first value or a repeat', () => {
    const { liveness, types } = harness();
    liveness.seen(door);
    const first = liveness.observe([{ node: door, metric: 'state', value: 0 }]);
    expect(types(first)).toEqual([]);
    expect(liveness.observe([{ node: door, metric: 'state', value: 0 }])).toEqual([]);
    const changed = liveness.observe([{ node: door, metric: 'state', value: 1 }]);
    expect(changed).toMatchObject([{ type: 'state_changed', state: 1, previousState: 0 }]);
    expect(liveness.observe([{ node: door, metric: 'temperature', value: 1 }])).toEqual([]);
  });

  it('loads nodes at start without events; a stored offline node is not announced again', () => {
    const { liveness, advance, types } = harness();
    const longAgo = new Date(T0 - 3600_000);
    liveness.load([
      { id: 'n-hall', name: 'Hall', lastSeenAt: longAgo, status: 'offline' },
      { id: 'n-door', name: 'Front door', lastSeenAt: new Date(T0 - 100_000), status: 'online' },
      { id: 'n-new', name: 'Never seen', lastSeenAt: null, status: 'unknown' },
    ]);
    expect(liveness.status('n-hall')).toBe('offline');
    advance(20);
    expect(types(liveness.tick())).toEqual(['offline:n-door']); // never-seen nodes are not judged
    expect(types(liveness.seen(hall))).toEqual(['online:n-hall']);
    expect(types(liveness.seen({ id: 'n-new', name: 'Never seen' }))).toEqual([]);
  });

  it('add() announces a node created through the API once', () => {
    const { liveness, types } = harness();
    expect(types(liveness.add(hall))).toEqual(['registered:n-hall']);
    expect(liveness.add(hall)).toEqual([]);
    expect(liveness.status('n-hall')).toBe('unknown');
    expect(types(liveness.seen(hall))).toEqual([]);
  });

  it('a configurable default threshold', () => {
    const { liveness, advance } = harness(30);
    liveness.seen(hall);
    advance(30);
    expect(liveness.tick()).toHaveLength(1);
  });
});
