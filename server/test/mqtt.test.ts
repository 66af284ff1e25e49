import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';

// The real Mosquitto broker; a topic prefix and node names per run keep parallel runs apart.
const BROKER = process.env.MQTT_TEST_URL ?? 'mqtt://127.0.0.1:1883';
const run = randomUUID().slice(0, 8);
const PREFIX = `kinflow-it-${run}`;
const NODE = `porch-${run}`;

let server: TestServer;
let publisher: MqttClient;

const publish = (topic: string, payload: string) =>
  publisher.publishAsync(`${PREFIX}/${topic}`, payload, { qos: 1 });

const PREVIEW = `query($node: String, $metric: String!) { metricPreview(node: $node, metric: $metric) {
  ... on QueryMetricPreviewSuccess { data { count min max values { value recordedAt } } } } }`;

async function values(metric: string): Promise<number[]> {
  const result = await server.gql(PREVIEW, { node: NODE, metric });
  return (result.data?.metricPreview?.data?.values ?? []).map((v: { value: number }) => v.value);
}

async function node(): Promise<{ status: string; lastSeenAt: string | null }> {
  return (
    await server.gql(`query($name: String!) { gatewayNode(name: $name) { status lastSeenAt } }`, {
      name: NODE,
    })
  ).data.gatewayNode;
}

beforeAll(async () => {
  server = await startTestServer({ env: { MQTT_URL: BROKER, KINFLOW_MQTT_PREFIX: PREFIX } });
  const created = await server.gql(
    `mutation($name: String!) { createNode(input: { name: $name }) { __typename } }`,
    {
      name: NODE,
    },
  );
  expect(created.data.createNode.__typename).toBe('MutationCreateNodeSuccess');
  publisher = await mqtt.connectAsync(BROKER, { reconnectPeriod: 0 });
  // The server subscribes in the background; probe until a message gets through.
  const deadline = Date.now() + 10_000;
  for (;;) {
    await publish(`${NODE}/probe`, '1');
    if ((await values('probe')).length > 0) break;
    if (Date.now() > deadline) throw new Error('the server never received an MQTT message');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});

afterAll(async () => {
  await publisher?.endAsync();
  await server?.stop();
});

describe('MQTT intake in the running server', () => {
  it('stores readings published to <prefix>/<node>/<metric>, rejecting bad ones without stopping', async () => {
    const measured = new Date(Date.now() - 30_000).toISOString();
    await publish(`${NODE}/temperature`, '21.5');
    await publish(`${NODE}/temperature`, 'lots'); // not a number: rejected on its own
    await publish(`unknown-${run}/temperature`, '30'); // unknown node, auto-registration off
    await publish(`${NODE}/temperature`, JSON.stringify({ value: 22.5, timestamp: measured }));
    await publish(`${NODE}/door`, 'on');

    await expect.poll(() => values('temperature'), { timeout: 10_000 }).toEqual([21.5, 22.5]);
    await expect.poll(() => values('door'), { timeout: 10_000 }).toEqual([1]);
    const preview = await server.gql(PREVIEW, { node: NODE, metric: 'temperature' });
    expect(preview.data.metricPreview.data).toMatchObject({ count: 2, min: 21.5, max: 22.5 });
    expect(preview.data.metricPreview.data.values[1].recordedAt).toBe(measured);

    const unknown = await server.gql(`query($n: String!) { gatewayNode(name: $n) { id } }`, {
      n: `unknown-${run}`,
    });
    expect(unknown.data.gatewayNode).toBeNull();
  });

  it('the node is online after an MQTT reading, and the current values are readable', async () => {
    await expect.poll(async () => (await node()).status, { timeout: 10_000 }).toBe('ONLINE');
    expect((await node()).lastSeenAt).not.toBeNull();
    const latest = await server.gql(`query($n: String!) { latestTelemetry(node: $n) { metric value } }`, {
      n: NODE,
    });
    // 22.5 was measured 30 s before 21.5 arrived: it is history, not the current value.
    expect(latest.data.latestTelemetry).toEqual(
      expect.arrayContaining([
        { metric: 'door', value: 1 },
        { metric: 'temperature', value: 21.5 },
      ]),
    );
  });

  it('node events on <prefix>/<node>/events/<name> count as heartbeats', async () => {
    const before = (await node()).lastSeenAt!;
    await new Promise((resolve) => setTimeout(resolve, 20)); // so the new last-seen time can differ
    await publish(`${NODE}/events/button`, '{"press":"long"}');
    await expect
      .poll(async () => Date.parse((await node()).lastSeenAt!), { timeout: 10_000 })
      .toBeGreaterThan(Date.parse(before));
  });
});
