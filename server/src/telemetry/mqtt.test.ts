import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TelemetryIntake, type NodeEvent } from './intake.js';
import { MqttIntake, parseReadingPayload, parseTopic, type BadMessage } from './mqtt.js';
import { MemoryNodeDirectory } from './nodes.js';
import { TelemetryStore } from './store.js';

const BROKER = process.env.MQTT_TEST_URL ?? 'mqtt://127.0.0.1:1883';

describe('topic and payload parsing', () => {
  it('reads kinflow/<node>/<metric> and kinflow/<node>/events/<name>', () => {
    expect(parseTopic('kinflow/kitchen/temperature', 'kinflow')).toEqual({
      kind: 'reading',
      node: 'kitchen',
      metric: 'temperature',
    });
    expect(parseTopic('kinflow/kitchen/events/button', 'kinflow')).toEqual({
      kind: 'event',
      node: 'kitchen',
      name: 'button',
    });
    expect(parseTopic('kinflow/kitchen/events', 'kinflow').kind).toBe('invalid');
    expect(parseTopic('kinflow/a/b/c', 'kinflow').kind).toBe('invalid');
    expect(parseTopic('other/a/b', 'kinflow').kind).toBe('invalid');
  });

  it('payloads: a number, true/false/on/off, or JSON with value and timestamp', () => {
    expect(parseReadingPayload(' 21.5\n')).toEqual({ ok: true, value: '21.5' }); // the shared validation parses it
    expect(parseReadingPayload('ON')).toEqual({ ok: true, value: true });
    expect(parseReadingPayload('false')).toEqual({ ok: true, value: false });
    expect(parseReadingPayload('{"value": 3, "timestamp": "2026-01-01T00:00:00Z"}')).toEqual({
      ok: true,
      value: 3,
      timestamp: '2026-01-01T00:00:00Z',
    });
    expect(parseReadingPayload('{"value": 3')).toEqual({ ok: false, reason: 'payload is not valid JSON' });
    expect(parseReadingPayload('{"temp": 3}')).toEqual({
      ok: false,
      reason: 'a JSON payload needs a "value"',
    });
  });
});

describe('MQTT intake against the real broker', () => {
  const now = new Date();
  let prefix: string;
  let store: TelemetryStore;
  let intake: MqttIntake | undefined;
  let publisher: MqttClient;
  let bad: BadMessage[];
  let events: NodeEvent[];
  let statuses: string[];

  async function startIntake(
    extra: Partial<ConstructorParameters<typeof MqttIntake>[0]> = {},
  ): Promise<MqttIntake> {
    const nodes = new MemoryNodeDirectory([{ id: 'n-kitchen', name: 'kitchen', kind: 'sensor', tags: [] }]);
    const sink = new TelemetryIntake({ store, nodes, autoRegister: false });
    sink.onNodeEvent((e) => events.push(e));
    intake = new MqttIntake({
      url: BROKER,
      sink,
      prefix,
      reconnectPeriodMs: 100,
      onBadMessage: (problem) => bad.push(problem),
      onStatus: (status) => statuses.push(status),
      ...extra,
    });
    intake.start();
    await intake.ready();
    return intake;
  }
  const publish = (topic: string, payload: string, retain = false) =>
    publisher.publishAsync(`${prefix}/${topic}`, payload, { qos: 1, retain });

  beforeEach(async () => {
    // A prefix per run keeps parallel runs (and other suites on the shared broker) apart.
    prefix = `kinflow-test-${randomUUID().slice(0, 8)}`;
    store = await TelemetryStore.open();
    bad = [];
    events = [];
    statuses = [];
    publisher = await mqtt.connectAsync(BROKER, { reconnectPeriod: 0 });
  });
  afterEach(async () => {
    await intake?.stop();
    intake = undefined;
    await publisher.endAsync();
  });

  it('ingests readings through the shared intake and reports bad payloads without stopping', async () => {
    await startIntake();
    await publish('kitchen/temperature', '21.5');
    await publish('n-kitchen/door', 'true');
    await publish(
      'kitchen/humidity',
      JSON.stringify({ value: 55, timestamp: new Date(now.getTime() - 60_000).toISOString() }),
    );
    await publish('kitchen/co2', 'lots');
    await publish('attic/temperature', '20');
    await publish('kitchen/pressure', '{oops');
    await publish('kitchen/events/button', '{"press":"long"}');
    await publish('kitchen/temperature', '22');

    await expect.poll(() => store.latest('n-kitchen', 'temperature')?.value).toBe(22);
    expect(store.latest('n-kitchen', 'door')?.value).toBe(1);
    expect(store.latest('n-kitchen', 'humidity')?.recordedAt).toEqual(new Date(now.getTime() - 60_000));
    expect(store.preview('n-kitchen', 'temperature').values.map((v) => v.value)).toEqual([21.5, 22]);
    await expect.poll(() => bad.length).toBe(3);
    expect(bad).toEqual(
      expect.arrayContaining([
        {
          topic: `${prefix}/kitchen/co2`,
          field: 'value',
          reason: 'value must be a number, a boolean or a numeric string',
        },
        {
          topic: `${prefix}/attic/temperature`,
          field: 'node',
          reason: 'unknown node "attic" (auto-registration is off)',
        },
        { topic: `${prefix}/kitchen/pressure`, field: 'value', reason: 'payload is not valid JSON' },
      ]),
    );
    expect(events.map((e) => [e.node.id, e.name, e.payload])).toEqual([
      ['n-kitchen', 'button', { press: 'long' }],
    ]);
  });

  it('ignores retained messages by default (stale values replayed on every connect)', async () => {
    await publish('kitchen/retained', '5', true);
    try {
      await startIntake();
      await publish('kitchen/live', '6');
      await expect.poll(() => store.latest('n-kitchen', 'live')?.value).toBe(6);
      expect(store.latest('n-kitchen', 'retained')).toBeUndefined();
    } finally {
      await publish('kitchen/retained', '', true); // an empty retained message clears it from the broker
    }
  });

  it('reconnects after the broker drops the connection and keeps ingesting', async () => {
    const clientId = `${prefix}-intake`;
    await startIntake({ clientOptions: { clientId } });
    await publish('kitchen/temperature', '20');
    await expect.poll(() => store.latest('n-kitchen', 'temperature')?.value).toBe(20);
    // A second client with the same id makes the broker disconnect the first (session takeover).
    const intruder = await mqtt.connectAsync(BROKER, { clientId, reconnectPeriod: 0 });
    await expect.poll(() => statuses.includes('offline') || statuses.includes('reconnecting')).toBe(true);
    await expect
      .poll(() => statuses.filter((s) => s === 'connected').length, { timeout: 5000 })
      .toBeGreaterThanOrEqual(2);
    await intruder.endAsync(true);
    await expect.poll(() => intake!.connected).toBe(true);
    // Subscriptions are renewed on reconnect: keep publishing until one gets through.
    await expect
      .poll(
        async () => {
          await publish('kitchen/temperature', '23');
          return store.latest('n-kitchen', 'temperature')?.value;
        },
        { timeout: 5000, interval: 200 },
      )
      .toBe(23);
  });

  it('stops cleanly: disconnected, and later messages are not ingested', async () => {
    const started = await startIntake();
    await publish('kitchen/temperature', '19');
    await expect.poll(() => store.latest('n-kitchen', 'temperature')?.value).toBe(19);
    await started.stop();
    expect(started.connected).toBe(false);
    await publish('kitchen/temperature', '30');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(store.latest('n-kitchen', 'temperature')?.value).toBe(19);
    await started.stop(); // twice is harmless
  });

  it('acknowledges a QoS 1 reading only after it is committed: the broker redelivers one whose commit failed', async () => {
    const clientId = `${prefix}-persistent`;
    const nodes = new MemoryNodeDirectory([{ id: 'n-kitchen', name: 'kitchen', kind: 'sensor', tags: [] }]);
    let attempts = 0;
    const failing = new MqttIntake({
      url: BROKER,
      prefix,
      clientId,
      sink: {
        ingest: async () => {
          attempts++;
          throw new Error('disk full');
        },
        nodeEvent: async () => ({ ok: false, field: 'node', reason: 'unused' }),
      },
      onError: () => undefined,
    });
    try {
      failing.start();
      await failing.ready();
      await publish('kitchen/temperature', '24');
      await expect.poll(() => attempts).toBe(1);
      await failing.stop();
      // The same session again, now with a working sink: the unacknowledged reading comes back.
      await startIntake({ clientId });
      await expect.poll(() => store.latest('n-kitchen', 'temperature')?.value).toBe(24);
      expect(nodes.find('kitchen')).toBeDefined();
    } finally {
      await failing.stop();
      await intake?.stop();
      intake = undefined;
      // A clean connection ends the persistent session, so the broker keeps nothing of this test.
      const cleaner = await mqtt.connectAsync(BROKER, { clientId, clean: true, reconnectPeriod: 0 });
      await cleaner.endAsync();
    }
  });
});
