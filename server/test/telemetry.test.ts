import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/orm.js';
import { ADMIN, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ demo: true });
});
afterAll(() => server.stop());

const INGEST = `mutation($readings: [ReadingInput!]!) { ingestTelemetry(readings: $readings) {
  __typename ... on Error { code message }
  ... on MutationIngestTelemetrySuccess { data { accepted registered rejected { index field reason } } } } }`;
const PREVIEW = `query($node: String, $metric: String!) { metricPreview(node: $node, metric: $metric) {
  __typename ... on Error { code message }
  ... on QueryMetricPreviewSuccess { data { metric nodeId count min max avg
    latest { nodeName metric value recordedAt } values { nodeName value recordedAt } } } } }`;
const CREATE_NODE = `mutation($name: String!) { createNode(input: { name: $name }) {
  ... on MutationCreateNodeSuccess { data { id name status lastSeenAt } } } }`;

async function createNode(name: string): Promise<{ id: string; status: string; lastSeenAt: string | null }> {
  const result = await server.gql(CREATE_NODE, { name });
  return result.data.createNode.data;
}

async function nodeStatus(id: string): Promise<{ status: string; lastSeenAt: string | null }> {
  const result = await server.gql(`query($id: ID!) { gatewayNode(id: $id) { status lastSeenAt } }`, { id });
  return result.data.gatewayNode;
}

describe('telemetry over GraphQL', () => {
  it('keeps the good readings of a batch and rejects the bad ones one by one', async () => {
    const node = await createNode('pantry-climate');
    const recent = new Date(Date.now() - 60_000).toISOString();
    const result = await server.gql(INGEST, {
      readings: [
        { node: 'pantry-climate', metric: 'temperature', value: 18.5, timestamp: recent },
        { node: 'no-such-node', metric: 'temperature', value: 20 },
        { node: node.id, metric: 'temperature', value: 'warm' }, // global ID, non-numeric value
        { node: 'pantry-climate', metric: 'temperature', value: '19.5' },
        { node: 'pantry-climate', metric: 'temperature', value: 30, timestamp: '1970-01-01T00:00:00Z' },
        { node: 'pantry-climate', metric: 'temperature', value: 31, timestamp: '2026-02-30T10:00:00Z' },
        { node: 'pantry-climate', metric: 'bad metric', value: 1 },
        { node: 'pantry-climate', metric: 'temperature' }, // no value
      ],
    });
    expect(result.data.ingestTelemetry).toEqual({
      __typename: 'MutationIngestTelemetrySuccess',
      data: {
        accepted: 2,
        registered: [],
        rejected: [
          { index: 1, field: 'NODE', reason: 'unknown node "no-such-node" (auto-registration is off)' },
          { index: 2, field: 'VALUE', reason: 'value must be a number, a boolean or a numeric string' },
          { index: 4, field: 'TIMESTAMP', reason: 'timestamp is before 2000-01-01' },
          { index: 5, field: 'TIMESTAMP', reason: '"2026-02-30T10:00:00Z" is not a real date' },
          { index: 6, field: 'METRIC', reason: expect.stringMatching(/^metric must be 1-64 characters/) },
          { index: 7, field: 'VALUE', reason: 'value is required' },
        ],
      },
    });

    const preview = await server.gql(PREVIEW, { node: 'pantry-climate', metric: 'temperature' });
    expect(preview.data.metricPreview.data).toMatchObject({
      metric: 'temperature',
      nodeId: node.id,
      count: 2,
      min: 18.5,
      max: 19.5,
      avg: 19,
      latest: { nodeName: 'pantry-climate', value: 19.5 },
    });
    expect(preview.data.metricPreview.data.values.map((v: { value: number }) => v.value)).toEqual([
      18.5, 19.5,
    ]);
    expect(preview.data.metricPreview.data.values[0].recordedAt).toBe(recent);

    const latest = await server.gql(
      `{ latestTelemetry(node: "pantry-climate") { metric value }
         gatewayNode(name: "pantry-climate") { latestTelemetry { metric value } } }`,
    );
    expect(latest.data.latestTelemetry).toEqual([{ metric: 'temperature', value: 19.5 }]);
    expect(latest.data.gatewayNode.latestTelemetry).toEqual([{ metric: 'temperature', value: 19.5 }]);
  });

  it('a node that reports becomes online, with its last-seen time', async () => {
    const node = await createNode('attic-sensor');
    expect(node.status).toBe('UNKNOWN');
    expect(node.lastSeenAt).toBeNull();
    const before = Date.now();
    await server.gql(INGEST, { readings: [{ node: 'attic-sensor', metric: 'humidity', value: 61 }] });
    await expect.poll(async () => (await nodeStatus(node.id)).status, { timeout: 10_000 }).toBe('ONLINE');
    const { lastSeenAt } = await nodeStatus(node.id);
    expect(Date.parse(lastSeenAt!)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('refuses an oversized batch as a whole, and readings without the ingest scope', async () => {
    const big = Array.from({ length: 10_001 }, () => ({ node: 'kitchen-climate', metric: 'm', value: 1 }));
    const tooBig = await server.gql(INGEST, { readings: big });
    expect(tooBig.data.ingestTelemetry).toMatchObject({
      __typename: 'InvalidInputError',
      code: 'INVALID_INPUT',
    });
    expect(tooBig.data.ingestTelemetry.message).toMatch(/at most 10000/);

    const key = await server.gql(
      `mutation { createApiKey(name: "dashboard-ro", scopes: [READ]) { ... on MutationCreateApiKeySuccess { data { token } } } }`,
      {},
      await server.loginAs(ADMIN.email, ADMIN.password),
    );
    const readOnly = key.data.createApiKey.data.token as string;
    const refused = await server.gql(
      INGEST,
      { readings: [{ node: 'kitchen-climate', metric: 'temperature', value: 21 }] },
      readOnly,
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const preview = await server.gql(PREVIEW, { node: 'kitchen-climate', metric: 'temperature' });
    expect(preview.data.metricPreview.data.count).toBe(0);
  });

  it('posts custom node events: a heartbeat for the node; unknown nodes and bad names are typed errors', async () => {
    const node = await createNode('hall-button');
    const posted = await server.gql(
      `mutation { postNodeEvent(node: "hall-button", name: "pressed", data: { press: "long" }) {
        __typename ... on Error { code } ... on MutationPostNodeEventSuccess { data { nodeId nodeName name at } } } }`,
    );
    expect(posted.data.postNodeEvent).toMatchObject({
      __typename: 'MutationPostNodeEventSuccess',
      data: { nodeId: node.id, nodeName: 'hall-button', name: 'pressed' },
    });
    await expect.poll(async () => (await nodeStatus(node.id)).status, { timeout: 10_000 }).toBe('ONLINE');
    const unknown = await server.gql(`mutation { postNodeEvent(node: "nowhere", name: "x") { __typename } }`);
    expect(unknown.data.postNodeEvent.__typename).toBe('NotFoundError');
    const badName = await server.gql(
      `mutation { postNodeEvent(node: "hall-button", name: "two words") { __typename } }`,
    );
    expect(badName.data.postNodeEvent.__typename).toBe('InvalidInputError');
  });
});

describe('telemetry over REST', () => {
  it('POST /v1/telemetry shares the intake and the result shape; GET /v1/flows/metric-preview reads it back', async () => {
    await createNode('cellar-climate');
    const posted = await server.rest('POST', '/v1/telemetry', {
      readings: [
        { node: 'cellar-climate', metric: 'temperature', value: 12 },
        { node: 'cellar-climate', metric: 'temperature', value: 'NaN' },
        { node: 'cellar-climate', metric: 'temperature', value: 14, timestamp: Date.now() - 1000 },
        { node: 'ghost', metric: 'temperature', value: 1 },
      ],
    });
    expect(posted.status).toBe(200);
    expect(posted.body.data).toEqual({
      accepted: 2,
      registered: [],
      rejected: [
        { index: 1, field: 'VALUE', reason: 'value must be a number, a boolean or a numeric string' },
        { index: 3, field: 'NODE', reason: 'unknown node "ghost" (auto-registration is off)' },
      ],
    });

    const preview = await server.rest(
      'GET',
      '/v1/flows/metric-preview?node=cellar-climate&metric=temperature',
    );
    expect(preview.status).toBe(200);
    expect(preview.body.data).toMatchObject({ metric: 'temperature', count: 2, min: 12, max: 14, avg: 13 });
    // Values come in arrival order; stats cover them all.
    expect(preview.body.data.values.map((v: { value: number }) => v.value)).toEqual([12, 14]);

    const anyNode = await server.rest('GET', '/v1/flows/metric-preview?metric=temperature');
    expect(anyNode.body.data.nodeId).toBeNull();
    expect(anyNode.body.data.count).toBeGreaterThanOrEqual(2);

    const missing = await server.rest('GET', '/v1/flows/metric-preview?node=ghost&metric=temperature');
    expect(missing.status).toBe(404);

    const tooBig = await server.rest('POST', '/v1/telemetry', {
      readings: Array.from({ length: 10_001 }, () => ({ node: 'cellar-climate', metric: 'm', value: 1 })),
    });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error.code).toBe('INVALID_INPUT');
  });

  it('POST /v1/nodes/{node}/events/{name} posts a node event', async () => {
    const ok = await server.rest('POST', '/v1/nodes/front-door/events/doorbell', { data: { ring: 2 } });
    expect(ok.status).toBe(200);
    expect(ok.body.data).toMatchObject({ nodeName: 'front-door', name: 'doorbell' });
    const missing = await server.rest('POST', '/v1/nodes/nowhere/events/doorbell', {});
    expect(missing.status).toBe(404);
  });
});

describe('auto-registration and shutdown', () => {
  it('with KINFLOW_TELEMETRY_AUTO_REGISTER unknown nodes are created; a clean stop persists every accepted reading', async () => {
    const other = await startTestServer({ env: { KINFLOW_TELEMETRY_AUTO_REGISTER: 'true' } });
    try {
      const result = await other.gql(INGEST, {
        readings: [
          { node: 'shed', metric: 'temperature', value: 4 },
          { node: 'shed', metric: 'temperature', value: 5 },
        ],
      });
      expect(result.data.ingestTelemetry.data).toEqual({ accepted: 2, registered: ['shed'], rejected: [] });
      const nodes = await other.gql(`{ gatewayNodes { edges { node { name kind status } } } }`);
      expect(nodes.data.gatewayNodes.edges).toEqual([
        { node: { name: 'shed', kind: 'sensor', status: 'ONLINE' } },
      ]);
      // Many readings, then stop at once: nothing acknowledged may be lost to the write-behind.
      const batch = Array.from({ length: 3000 }, (_, i) => ({ node: 'shed', metric: `m${i % 3}`, value: i }));
      expect((await other.gql(INGEST, { readings: batch })).data.ingestTelemetry.data.accepted).toBe(3000);
      await other.close();
      const orm = await openDatabase(path.join(other.dataDir, 'kinflow.sqlite'));
      try {
        const rows = (await orm.em
          .getConnection()
          .execute('select count(*) as n from telemetry_samples')) as Array<{ n: number }>;
        expect(rows[0]!.n).toBe(3002);
      } finally {
        await orm.close();
      }
    } finally {
      await other.stop();
    }
  });
});
