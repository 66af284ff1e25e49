import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_FLOW, createFlowOrFail } from './fixtures.js';
import { startTestServer, type TestServer } from './harness.js';

// Triggers end to end on a real server: telemetry and events go in through the public API,
// runs and alerts come out of it.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { KINFLOW_SCHEDULER_TICK_SECONDS: '0.2' } });
  const created = await server.gql(
    `mutation($input: CreateNodeInput!) { createNode(input: $input) { __typename ... on Error { message } } }`,
    { input: { name: 'bathroom-sensor', kind: 'sensor', tags: ['bathroom'] } },
  );
  expect(created.data.createNode.__typename).toBe('MutationCreateNodeSuccess');
});
afterAll(() => server.stop());

const createFlow = (name: string, steps: unknown[], edges: unknown[]) =>
  createFlowOrFail(server, name, steps, edges);

const RUNS = `query($flowId: ID!) { executions(flowId: $flowId, first: 50) { edges { node {
  id status triggerType triggerPayload } } } }`;
type Run = { id: string; status: string; triggerType: string; triggerPayload: Record<string, any> };

async function runsOf(flowId: string): Promise<Run[]> {
  const result = await server.gql(RUNS, { flowId });
  return result.data.executions.edges.map((edge: { node: Run }) => edge.node);
}

/** Polls until `count` runs exist and are finished (or the deadline passes). */
async function waitForRuns(flowId: string, count: number): Promise<Run[]> {
  let runs: Run[] = [];
  for (let i = 0; i < 200; i++) {
    runs = await runsOf(flowId);
    if (
      runs.length >= count &&
      runs.every((run) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(run.status))
    )
      return runs;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return runs;
}

async function ingest(value: unknown, metric = 'humidity') {
  const result = await server.gql(
    `mutation($readings: [ReadingInput!]!) { ingestTelemetry(readings: $readings) {
      ... on MutationIngestTelemetrySuccess { data { accepted } } } }`,
    { readings: [{ node: 'bathroom-sensor', metric, value }] },
  );
  expect(result.data.ingestTelemetry.data.accepted).toBe(1);
}

describe('sensor_value triggers, evaluated as readings arrive', () => {
  it('fires on crossing into the condition, not while the value stays there, and again after it left', async () => {
    const flowId = await createFlow(
      'Humid bathroom',
      [
        {
          key: 'humid',
          type: 'sensor_value',
          config: { metric: 'humidity', operator: '>', value: 80, nodeTags: ['bathroom'] },
        },
        {
          key: 'tell',
          type: 'alert',
          config: { level: 'warning', message: '{node_name} {metric} is {value} (over {threshold})' },
        },
      ],
      [{ source: 'humid', target: 'tell' }],
    );
    await ingest(70);
    await ingest(85); // crosses
    await ingest(90); // stays above: no new run
    expect(await waitForRuns(flowId, 1)).toHaveLength(1);
    await ingest(60); // leaves
    await ingest(82); // crosses again
    const runs = await waitForRuns(flowId, 2);
    expect(runs).toHaveLength(2);
    expect(runs.map((run) => run.triggerType)).toEqual(['sensor_value', 'sensor_value']);
    expect(runs[1]?.triggerPayload).toMatchObject({
      node_name: 'bathroom-sensor',
      metric: 'humidity',
      value: 85,
    });
    const alerts = await server.gql(
      `query($flowId: ID) { alerts(flowId: $flowId, first: 5) { edges { node { message } } } }`,
      { flowId },
    );
    expect(alerts.data.alerts.edges.map((edge: { node: { message: string } }) => edge.node.message)).toEqual([
      'bathroom-sensor humidity is 82 (over 80)',
      'bathroom-sensor humidity is 85 (over 80)',
    ]);
  });

  it('stops firing once the flow is disabled', async () => {
    const flowId = await createFlow(
      'Cold bathroom',
      [{ key: 'cold', type: 'sensor_value', config: { metric: 'temperature', operator: '<', value: 16 } }],
      [],
    );
    await server.gql(`mutation($id: ID!) { updateFlow(id: $id, input: { enabled: false }) { __typename } }`, {
      id: flowId,
    });
    await ingest(20, 'temperature');
    await ingest(12, 'temperature');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await runsOf(flowId)).toHaveLength(0);
  });
});

describe('node_event triggers', () => {
  it('starts a run for a custom event posted through the API, with the event data as payload', async () => {
    const flowId = await createFlow(
      'Help button',
      [
        { key: 'pressed', type: 'node_event', config: { event: 'custom', customEvent: 'help_button' } },
        { key: 'note', type: 'log', config: { message: 'help from {{ trigger.node_name }}' } },
      ],
      [{ source: 'pressed', target: 'note' }],
    );
    const posted = await server.gql(
      `mutation { postNodeEvent(node: "bathroom-sensor", name: "help_button", data: { pressed: 2 }) { __typename } }`,
    );
    expect(posted.data.postNodeEvent.__typename).toBe('MutationPostNodeEventSuccess');
    await server.gql(
      `mutation { postNodeEvent(node: "bathroom-sensor", name: "door_opened") { __typename } }`,
    );
    const runs = await waitForRuns(flowId, 1);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'COMPLETED', triggerType: 'node_event' });
    expect(runs[0]?.triggerPayload).toMatchObject({
      node_name: 'bathroom-sensor',
      custom_event: 'help_button',
      payload: { pressed: 2 },
    });
  });
});

describe('schedule triggers and cronPreview', () => {
  it('previews a cron expression in a time zone, and explains an invalid one', async () => {
    const result = await server.gql(
      `{ ok: cronPreview(expression: "0 9 * * 1-5", timezone: "Europe/Berlin") { valid description timezone nextRuns }
         bad: cronPreview(expression: "61 * * * *") { valid error nextRuns } }`,
    );
    const ok = result.data.ok;
    expect(ok).toMatchObject({ valid: true, timezone: 'Europe/Berlin' });
    expect(ok.description).toMatch(/09:00/);
    expect(ok.nextRuns).toHaveLength(5);
    for (const run of ok.nextRuns as string[]) {
      const local = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Berlin',
        hour: '2-digit',
        minute: '2-digit',
        weekday: 'short',
      }).format(new Date(run));
      expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:00$/);
    }
    expect(result.data.bad).toMatchObject({ valid: false, nextRuns: [] });
    expect(result.data.bad.error).toBeTruthy();
  });

  it('runs a schedule when it falls due', async () => {
    const flowId = await createFlow(
      'Every second',
      [{ key: 'tick', type: 'schedule', config: { cron: '* * * * * *', timezone: 'UTC' } }],
      [],
    );
    const runs = await waitForRuns(flowId, 1);
    await server.gql(`mutation($id: ID!) { updateFlow(id: $id, input: { enabled: false }) { __typename } }`, {
      id: flowId,
    });
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs[0]?.triggerType).toBe('schedule');
    expect(runs[0]?.triggerPayload).toMatchObject({ cron: '* * * * * *', late: false });
  });
});

describe('webhook triggers', () => {
  const ISSUE = `mutation($flowId: ID!, $stepKey: String!, $grace: Int) {
    issueWebhookUrl(flowId: $flowId, stepKey: $stepKey, graceMinutes: $grace) {
      __typename ... on MutationIssueWebhookUrlSuccess { data { path token previousValidUntil } } ... on Error { code } } }`;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}?room=hall`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('starts a run from a POST to the secret URL with body, query and chosen headers; rotation retires the old URL', async () => {
    const flowId = await createFlow(
      'Doorbell',
      [{ key: 'ring', type: 'webhook', config: { includeHeaders: ['X-Device'] } }],
      [],
    );
    const hasUrl = async () =>
      (await server.gql(`query($id: ID!) { flow(id: $id) { steps { hasWebhookUrl } } }`, { id: flowId })).data
        .flow.steps[0].hasWebhookUrl;
    expect(await hasUrl()).toBe(false);
    const issued = (await server.gql(ISSUE, { flowId, stepKey: 'ring' })).data.issueWebhookUrl.data;
    expect(issued.path).toBe(`/v1/hooks/${issued.token}`);
    expect(await hasUrl()).toBe(true);

    const response = await post(
      issued.path,
      { button: 'front' },
      { 'x-device': 'bell-1', cookie: 'private' },
    );
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as { executionId: string };
    const runs = await waitForRuns(flowId, 1);
    expect(runs[0]?.id).toBe(accepted.executionId);
    expect(runs[0]?.triggerPayload).toMatchObject({
      method: 'POST',
      body: { button: 'front' },
      query: { room: 'hall' },
      headers: { 'x-device': 'bell-1' },
    });
    expect(runs[0]?.triggerPayload.headers.cookie).toBeUndefined();

    const rotated = (await server.gql(ISSUE, { flowId, stepKey: 'ring' })).data.issueWebhookUrl.data;
    expect(rotated.previousValidUntil).toBeNull();
    expect((await post(issued.path, {})).status).toBe(404);
    expect((await post(rotated.path, {})).status).toBe(202);
  });

  it('answers 404 for unknown URLs, 400 for a broken body, and refuses a step that is not a webhook', async () => {
    expect((await post(`/v1/hooks/${'a'.repeat(43)}`, {})).status).toBe(404);
    const flowId = await createFlow(
      'Hook 2',
      [
        { key: 'ring', type: 'webhook' },
        { key: 'm', type: 'manual' },
      ],
      [],
    );
    const issued = (await server.gql(ISSUE, { flowId, stepKey: 'ring' })).data.issueWebhookUrl.data;
    const broken = await fetch(`${server.url}${issued.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"not json',
    });
    expect(broken.status).toBe(400);
    const wrong = await server.gql(ISSUE, { flowId, stepKey: 'm' });
    expect(wrong.data.issueWebhookUrl).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
  });

  it('rate limits a URL with 429 and Retry-After', async () => {
    const flowId = await createFlow('Chatty hook', [{ key: 'ring', type: 'webhook' }], []);
    const issued = (await server.gql(ISSUE, { flowId, stepKey: 'ring' })).data.issueWebhookUrl.data;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i++) {
      const response = await post(issued.path, { i });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }
    expect(statuses.filter((status) => status === 202)).toHaveLength(10);
    expect(statuses.slice(10)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('takes a URL’s own rate limit from its step config', async () => {
    const flowId = await createFlow(
      'Busy doorbell',
      [{ key: 'ring', type: 'webhook', config: { rateLimit: { perMinute: 6000, burst: 15 } } }],
      [],
    );
    const issued = (await server.gql(ISSUE, { flowId, stepKey: 'ring' })).data.issueWebhookUrl.data;
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++) statuses.push((await post(issued.path, { i })).status);
    expect(statuses.filter((status) => status === 202).length).toBeGreaterThanOrEqual(15);
    const zero = await server.gql(CREATE_FLOW, {
      input: {
        name: 'No hook at all',
        steps: [{ key: 'ring', type: 'webhook', config: { rateLimit: { burst: 0 } } }],
      },
    });
    expect(zero.data.createFlow.__typename).toBe('FlowValidationError');
  });
});

describe('webhook rate limit defaults from the environment', () => {
  it('KINFLOW_WEBHOOK_BURST sets every URL’s burst', async () => {
    const small = await startTestServer({
      env: { KINFLOW_WEBHOOK_BURST: '3', KINFLOW_WEBHOOK_RATE_PER_MINUTE: '1' },
    });
    try {
      const flowId = await createFlowOrFail(small, 'Small hook', [{ key: 'ring', type: 'webhook' }], []);
      const issued = (
        await small.gql(
          `mutation($flowId: ID!) { issueWebhookUrl(flowId: $flowId, stepKey: "ring") { ... on MutationIssueWebhookUrlSuccess { data { path } } } }`,
          { flowId },
        )
      ).data.issueWebhookUrl.data;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push(
          (
            await fetch(`${small.url}${issued.path}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: '{}',
            })
          ).status,
        );
      expect(statuses).toEqual([202, 202, 202, 429]);
    } finally {
      await small.stop();
    }
  });
});
