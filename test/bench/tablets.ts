// Twenty tablets on the care loop: graphql-ws clients with device tokens on `deviceFeed`, against a
// server in its own process. Each round triggers a flow whose interactive_prompt asks every tablet in
// the room, then measures
//   1. prompt stored (its createdAt) → the prompt in each tablet's feed, p50/p99 over every tablet;
//   2. one tablet reconnects → its first message (the snapshot) holds the pending prompt again;
//   3. another tablet answers → the run's prompt step completes (seen on pipelineExecutionEvents).
// Run: cd test && npx tsx bench/tablets.ts   (TABLETS=… ROUNDS=… to change the load)
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startServerProcess } from './server-process.js';
import { percentile } from './measure.js';

const TABLETS = Number(process.env.TABLETS ?? 20);
const ROUNDS = Number(process.env.ROUNDS ?? 50);
const ADMIN = { email: 'bench-admin@example.test', password: 'bench-admin-password-1' };
const ROOM = 'Bench room';

const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms (n=${sorted.length})`;
};

interface FeedPrompt {
  id: string;
  createdAt: string;
}
interface FeedMessage {
  kind: string;
  prompts: FeedPrompt[];
}

const FEED = `subscription { deviceFeed { kind itemId prompts { id createdAt } } }`;
const EVENTS = `subscription($flow: ID) { pipelineExecutionEvents(flowId: $flow) {
  ... on PipelineExecutionEvent { executionId kind status stepKey } } }`;

/** A tablet's feed; `seen(id)` resolves once a message lists that prompt, with the receive time. */
class Tablet {
  client!: Client;
  private waiters: Array<{ test: (m: FeedMessage) => boolean; resolve: (at: number) => void }> = [];
  constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  connect(): void {
    this.client = createClient({
      url: this.url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${this.token}` },
      retryAttempts: 0,
      lazy: false,
    });
    this.client.subscribe<{ deviceFeed: FeedMessage }>(
      { query: FEED },
      {
        next: (message) => {
          const at = performance.timeOrigin + performance.now();
          const feed = message.data?.deviceFeed;
          if (!feed) return;
          this.waiters = this.waiters.filter((w) => (w.test(feed) ? (w.resolve(at), false) : true));
        },
        error: (error) => console.error('tablet feed failed', error),
        complete: () => undefined,
      },
    );
  }

  /** Resolves with the wall-clock ms when a message satisfies `test`. */
  when(test: (m: FeedMessage) => boolean): Promise<number> {
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  async disconnect(): Promise<void> {
    this.waiters = [];
    await this.client.dispose();
  }
}

export async function tabletsBenchmark(): Promise<void> {
  const server = await startServerProcess({
    KINFLOW_ADMIN_EMAIL: ADMIN.email,
    KINFLOW_ADMIN_PASSWORD: ADMIN.password,
  });
  const endpoint = `http://127.0.0.1:${server.port}/graphql`;
  let adminToken = '';
  const gql = async (query: string, variables?: Record<string, unknown>, token = adminToken) => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const json = (await response.json()) as { data?: any; errors?: unknown };
    if (json.errors) throw new Error(JSON.stringify(json.errors));
    return json.data;
  };
  const tablets: Tablet[] = [];
  let watcher: Client | undefined;

  try {
    const login = await gql(
      `mutation($email: String!, $password: String!) { login(email: $email, password: $password) {
        ... on MutationLoginSuccess { data { token } } } }`,
      ADMIN,
      '',
    );
    adminToken = login.login.data.token;
    for (let i = 0; i < TABLETS; i++) {
      const created = await gql(
        `mutation($name: String!, $room: String) { createDevice(name: $name, room: $room) {
          ... on MutationCreateDeviceSuccess { data { token } } } }`,
        { name: `Bench tablet ${i + 1}`, room: ROOM },
      );
      tablets.push(new Tablet(endpoint.replace('http', 'ws'), created.createDevice.data.token));
    }
    const ready = tablets.map((t) => t.when((m) => m.kind === 'SNAPSHOT'));
    for (const tablet of tablets) tablet.connect();
    await Promise.all(ready);

    const flow = await gql(
      `mutation($input: CreateFlowInput!) { createFlow(input: $input) {
        ... on MutationCreateFlowSuccess { data { id } } ... on Error { message } } }`,
      {
        input: {
          name: 'Bench check-in',
          maxExecutions: 10_000,
          steps: [
            { key: 'start', type: 'manual' },
            {
              key: 'ask',
              type: 'interactive_prompt',
              config: { room: ROOM, popupMessageTemplate: 'Are you all right?', countdownSeconds: 300 },
            },
            { key: 'fine', type: 'log', config: { message: 'fine' } },
            { key: 'help', type: 'log', config: { message: 'help' } },
          ],
          edges: [
            { source: 'start', target: 'ask' },
            { source: 'ask', target: 'fine', sourcePort: 'dismiss' },
            { source: 'ask', target: 'help', sourcePort: 'escalate' },
          ],
        },
      },
    );
    const flowId = flow.createFlow.data?.id as string;
    if (!flowId) throw new Error(`flow not created: ${JSON.stringify(flow)}`);

    // The run's prompt step completing = the run resumed, as a caregiver's app would see it.
    const resumed = new Map<string, (at: number) => void>();
    watcher = createClient({
      url: endpoint.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${adminToken}` },
    });
    await new Promise<void>((resolve, reject) => {
      watcher!.subscribe<{ pipelineExecutionEvents: any }>(
        { query: EVENTS, variables: { flow: flowId } },
        {
          next: (message) => {
            const e = message.data?.pipelineExecutionEvents;
            if (e?.kind === 'STEP' && e.stepKey === 'ask' && e.status === 'COMPLETED') {
              resumed.get(e.executionId)?.(performance.timeOrigin + performance.now());
            }
          },
          error: reject,
          complete: () => undefined,
        },
      );
      // graphql-ws acknowledges the subscription only by its first item; give it a moment to attach.
      setTimeout(resolve, 500);
    });

    const visible: number[] = [];
    const reconnected: number[] = [];
    const answered: number[] = [];
    const TRIGGER = `mutation($id: ID!) { triggerFlow(id: $id) {
      ... on MutationTriggerFlowSuccess { data { id } } ... on Error { message } } }`;
    for (let round = 0; round < ROUNDS; round++) {
      // 1. Prompt stored → on every tablet.
      let createdAt = 0;
      let promptId = '';
      const shown = tablets.map((t) =>
        t.when((m) => {
          const p = m.prompts[0];
          if (!p) return false;
          promptId = p.id;
          createdAt = Date.parse(p.createdAt);
          return true;
        }),
      );
      const run = await gql(TRIGGER, { id: flowId });
      const runId = run.triggerFlow.data?.id as string;
      if (!runId) throw new Error(`trigger refused: ${JSON.stringify(run)}`);
      const times = await Promise.all(shown);
      for (const at of times) visible.push(at - createdAt);

      // 2. Reconnect → the pending prompt is back in the first message.
      const rejoining = tablets[round % TABLETS]!;
      await rejoining.disconnect();
      const back = rejoining.when((m) => m.kind === 'SNAPSHOT' && m.prompts.some((p) => p.id === promptId));
      const started = performance.timeOrigin + performance.now();
      rejoining.connect();
      reconnected.push((await back) - started);

      // 3. Answer → the run resumes.
      const answerer = tablets[(round + 1) % TABLETS]!;
      const done = new Promise<number>((resolve) => resumed.set(runId, resolve));
      const closed = tablets.map((t) => t.when((m) => !m.prompts.some((p) => p.id === promptId)));
      const sent = performance.timeOrigin + performance.now();
      const answer = await gql(
        `mutation($prompt: ID!, $answerId: String!) { answerPrompt(prompt: $prompt, action: DISMISS, answerId: $answerId) {
          __typename ... on Error { message } } }`,
        { prompt: promptId, answerId: crypto.randomUUID() },
        answerer.token,
      );
      if (answer.answerPrompt.__typename !== 'MutationAnswerPromptSuccess')
        throw new Error(`answer refused: ${JSON.stringify(answer)}`);
      answered.push((await done) - sent);
      resumed.delete(runId);
      await Promise.all(closed);
    }

    console.log(`tablets: ${TABLETS} tablets on deviceFeed, ${ROUNDS} check-in rounds`);
    console.log(`  prompt stored → visible on a tablet: ${summary(visible)}`);
    console.log(`  answer sent → run resumed:           ${summary(answered)}`);
    console.log(`  reconnect → pending prompt back:     ${summary(reconnected)}`);
  } finally {
    await watcher?.dispose();
    await Promise.all(tablets.map((t) => t.client?.dispose()));
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await tabletsBenchmark();
