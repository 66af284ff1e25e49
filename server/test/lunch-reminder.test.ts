import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlowOrFail } from './fixtures.js';
import { startTestServer, type TestServer } from './harness.js';

/**
 * The Composable Pipelines seed's lunch routine, end to end over the API: a reading or an answer records
 * meal_lunch for grandma; the 14:00 reminder verifies 11:00–14:00 and reminds (and alerts the family)
 * only on a day without it.
 *
 * The server runs in a fixed-offset zone where it is now 12:xx, so "today 11:00–14:00" holds the present
 * whatever time the test runs at (Etc/GMT-N is UTC+N).
 */
const utcHour = new Date().getUTCHours();
const offset = ((12 - utcHour + 36) % 24) - 12; // -12 … +11
const ZONE = offset === 0 ? 'Etc/UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;

const TRIGGER = `mutation($id: ID!, $payload: JSONObject) { triggerFlow(id: $id, payload: $payload) {
  ... on MutationTriggerFlowSuccess { data { id } } ... on Error { code message } } }`;
const RUN = `query($id: ID!) { execution(id: $id) { status completedSteps skippedSteps error { message }
  timeline { stepKey output } } }`;
const ALERTS = `query($flowId: ID) { alerts(flowId: $flowId, first: 20) { edges { node { level message } } } }`;
const ACTIVITIES = `query($person: String, $types: [String!]) { activities(person: $person, types: $types, first: 10) {
  totalCount edges { node { type person room confidence metadata stepKey flow { name } } } } }`;

let server: TestServer;
let reminder: string;
let answered: string;
beforeAll(async () => {
  server = await startTestServer({ env: { KINFLOW_TIMEZONE: ZONE } });
  await server.gql(
    `mutation { createNode(input: { name: "kitchen-table", kind: "sensor" }) { __typename } }`,
  );
  // A reading records lunch: the kitchen table's plate sensor.
  await createFlowOrFail(
    server,
    'Lunch seen at the table',
    [
      {
        key: 'plate',
        type: 'sensor_value',
        config: { metric: 'plate_lifted', operator: '>=', value: 1 },
      },
      {
        key: 'record',
        type: 'activity_record',
        config: { activityType: 'meal_lunch', person: 'grandma', room: 'Kitchen', confidence: 0.9 },
      },
    ],
    [{ source: 'plate', target: 'record' }],
  );
  // An answer records it too (a voice assistant or the tablet posts it).
  answered = await createFlowOrFail(
    server,
    'Lunch answered',
    [
      { key: 'answer', type: 'manual' },
      {
        key: 'said_yes',
        type: 'condition',
        config: { expression: "icontains(trigger.payload.answer, 'yes')" },
      },
      {
        key: 'record',
        type: 'activity_record',
        config: {
          activityType: 'meal_lunch',
          person: '{{ trigger.payload.person }}',
          confidence: '{{ trigger.payload.confidence }}',
          metadata: { answer: '{{ trigger.payload.answer }}' },
        },
      },
    ],
    [
      { source: 'answer', target: 'said_yes' },
      { source: 'said_yes', sourcePort: 'true', target: 'record' },
    ],
  );
  reminder = await createFlowOrFail(
    server,
    'Lunch reminder',
    [
      { key: 'at_two', type: 'schedule', config: { cron: '0 14 * * *', timezone: ZONE } },
      {
        key: 'had_lunch',
        type: 'verification',
        config: {
          conditions: [{ activityType: 'meal_lunch', person: 'grandma', minConfidence: 0.6 }],
          windowStart: '11:00',
          windowEnd: '14:00',
        },
      },
      {
        key: 'remind',
        type: 'alert',
        config: {
          level: 'reminder',
          message: "Grandma, it's lunch time. Would you like me to suggest something?",
        },
      },
      {
        key: 'tell_family',
        type: 'alert',
        config: {
          level: 'warning',
          message: "Reminder: grandma hasn't been recorded as having lunch yet today.",
        },
      },
    ],
    [
      { source: 'at_two', target: 'had_lunch' },
      { source: 'had_lunch', sourcePort: 'not_verified', target: 'remind' },
      { source: 'remind', target: 'tell_family' },
    ],
  );
});
afterAll(() => server.stop());

async function runToEnd(flowId: string, payload: Record<string, unknown> = {}) {
  const triggered = await server.gql(TRIGGER, { id: flowId, payload });
  const id = triggered.data.triggerFlow.data.id as string;
  for (let i = 0; i < 200; i++) {
    const run = (await server.gql(RUN, { id })).data.execution;
    if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(run.status)) return run;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`run ${id} did not finish`);
}

const alertsOf = async (flowId: string) =>
  (await server.gql(ALERTS, { flowId })).data.alerts.edges.map(({ node }: any) => node.level);

describe('lunch reminder (004 seed)', () => {
  it('reminds and alerts the family on a day without lunch', async () => {
    const run = await runToEnd(reminder);
    expect(run.status, JSON.stringify(run.error)).toBe('COMPLETED');
    expect(run.completedSteps).toEqual(['at_two', 'had_lunch', 'remind', 'tell_family']);
    const verification = run.timeline.find((row: any) => row.stepKey === 'had_lunch').output.verification;
    expect(verification).toMatchObject({ verified: false, matchMode: 'all', matchedConditions: [] });
    expect(verification.unmatchedConditions[0]).toMatchObject({ activityType: 'meal_lunch', found: 0 });
    expect((await alertsOf(reminder)).sort()).toEqual(['REMINDER', 'WARNING']);
  });

  it('a "no" answer records nothing; a doubtful "yes" is too unsure to count', async () => {
    await runToEnd(answered, { answer: 'no, not yet', person: 'grandma', confidence: 1 });
    await runToEnd(answered, { answer: 'yes I think so', person: 'grandma', confidence: 0.4 });
    const listed = (await server.gql(ACTIVITIES, { person: 'grandma' })).data.activities;
    expect(listed.totalCount).toBe(1);
    expect(listed.edges[0].node).toMatchObject({ confidence: 0.4, metadata: { answer: 'yes I think so' } });
    const run = await runToEnd(reminder);
    expect(run.completedSteps).toContain('remind');
  });

  it('stays quiet once a reading recorded lunch', async () => {
    const ingested = await server.rest('POST', '/v1/telemetry', {
      readings: [{ node: 'kitchen-table', metric: 'plate_lifted', value: 1 }],
    });
    expect(ingested.body.data.accepted).toBe(1);
    let listed: any;
    for (let i = 0; i < 100; i++) {
      listed = (await server.gql(ACTIVITIES, { person: 'GRANDMA', types: ['meal_lunch'] })).data.activities;
      if (listed.totalCount === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(listed.edges[0].node).toMatchObject({
      type: 'meal_lunch',
      person: 'grandma',
      room: 'Kitchen',
      confidence: 0.9,
      stepKey: 'record',
      flow: { name: 'Lunch seen at the table' },
    });
    const alertsBefore = (await alertsOf(reminder)).length;
    const run = await runToEnd(reminder);
    expect(run.completedSteps).toEqual(['at_two', 'had_lunch']);
    expect(run.skippedSteps).toEqual(['remind', 'tell_family']);
    const verification = run.timeline.find((row: any) => row.stepKey === 'had_lunch').output.verification;
    expect(verification.verified).toBe(true);
    expect(verification.matchedConditions[0].latest).toMatchObject({ confidence: 0.9, person: 'grandma' });
    expect(await alertsOf(reminder)).toHaveLength(alertsBefore);
    const rest = await server.rest('GET', '/v1/activities?person=grandma&types=meal_lunch');
    expect(rest.body.data.totalCount).toBe(2);
  });
});
