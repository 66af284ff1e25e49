import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/orm.js';
import { FlowAlert } from '../src/db/entities/index.js';
import { ADMIN, startTestServer, type TestServer } from './harness.js';
import path from 'node:path';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ demo: true });
  // Until the alert step runs in flows, put rows in directly through a second connection.
  const orm = await openDatabase(path.join(server.dataDir, 'kinflow.sqlite'));
  const em = orm.em.fork();
  for (const [level, message] of [
    ['warning', 'Kitchen at 31 °C'],
    ['emergency', 'Rose may need help'],
    ['info', 'Morning greeting spoken'],
  ] as const) {
    em.create(FlowAlert, { level, message });
    await em.flush();
  }
  await orm.close();
});
afterAll(() => server.stop());

const ALERTS = `query($level: AlertLevel, $ack: Boolean, $first: Int, $after: String) {
  alerts(level: $level, acknowledged: $ack, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor } edges { node { id level message acknowledged acknowledgedBy { email } } } } }`;

describe('alerts', () => {
  it('lists alerts newest first, filtered by level, with cursor paging', async () => {
    const first = await server.gql(ALERTS, { first: 2 });
    expect(first.data.alerts.edges.map((e: any) => e.node.message)).toEqual([
      'Morning greeting spoken',
      'Rose may need help',
    ]);
    const rest = await server.gql(ALERTS, { first: 2, after: first.data.alerts.pageInfo.endCursor });
    expect(rest.data.alerts.edges.map((e: any) => e.node.message)).toEqual(['Kitchen at 31 °C']);
    expect(rest.data.alerts.pageInfo.hasNextPage).toBe(false);
    const emergencies = await server.gql(ALERTS, { level: 'EMERGENCY' });
    expect(emergencies.data.alerts.edges).toHaveLength(1);
  });

  it('records who acknowledged and when; a viewer cannot acknowledge', async () => {
    const open = await server.gql(ALERTS, { level: 'EMERGENCY', ack: false });
    const id = open.data.alerts.edges[0].node.id;
    const ack = `mutation($id: ID!) { acknowledgeAlert(id: $id) { __typename ... on MutationAcknowledgeAlertSuccess { data { acknowledged acknowledgedAt acknowledgedBy { email } } } } }`;
    const admin = await server.loginAs(ADMIN.email, ADMIN.password);
    const result = await server.gql(ack, { id }, admin);
    expect(result.data.acknowledgeAlert.data).toMatchObject({
      acknowledged: true,
      acknowledgedBy: { email: ADMIN.email },
    });
    const again = await server.gql(ack, { id });
    expect(again.data.acknowledgeAlert.data.acknowledgedAt).toBe(
      result.data.acknowledgeAlert.data.acknowledgedAt,
    );
    expect((await server.gql(ALERTS, { ack: false })).data.alerts.edges).toHaveLength(2);
    await server.gql(
      `mutation { createUser(email: "v@example.test", name: "V", role: VIEWER, password: "long enough pw") { __typename } }`,
      {},
      admin,
    );
    const viewer = await server.loginAs('v@example.test', 'long enough pw');
    const other = (await server.gql(ALERTS, { ack: false })).data.alerts.edges[0].node.id;
    expect((await server.gql(ack, { id: other }, viewer)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
