import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestServer } from './harness.js';

/** Shared documents and helpers for the tablet (care loop) API tests. */
export const FEED = `subscription { deviceFeed { kind itemId serverTime device { id name room locale voiceRate }
  prompts { id message voiceMessage escalateText dismissText countdownSeconds expiresAt status }
  deliveries { id kind text rate dismissSeconds card { title bodyHtml } reports { deviceName status } } } }`;

export const ANSWER = `mutation($prompt: ID!, $action: PromptAction!, $answerId: String!) {
  answerPrompt(prompt: $prompt, action: $action, answerId: $answerId) {
    __typename
    ... on Error { code message }
    ... on PromptAlreadyAnsweredError { answer { action answerId via byName } }
    ... on MutationAnswerPromptSuccess { data { id status answer { action answerId via byName } } }
  } }`;

export const RUN = `query($id: ID!) { execution(id: $id) { status data completedSteps timeline { stepKey status ports } } }`;

export interface FeedMessage {
  kind: string;
  itemId: string | null;
  device: { id: string; name: string; room: string | null };
  prompts: Array<{
    id: string;
    message: string;
    expiresAt: string;
    status: string;
    countdownSeconds: number;
  }>;
  deliveries: Array<{ id: string; kind: string; text: string | null; reports: Array<{ status: string }> }>;
}

/** A tablet's live feed over graphql-ws: every message is kept; `next` waits for one that matches. */
export function openFeed(server: TestServer, token: string) {
  const messages: FeedMessage[] = [];
  const waiters: Array<{ test: (m: FeedMessage) => boolean; resolve: (m: FeedMessage) => void }> = [];
  const closed: { code?: number; errors?: unknown } = {};
  const client: Client = createClient({
    url: `ws://127.0.0.1:${server.port}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    on: { closed: (event) => (closed.code = (event as { code: number }).code) },
  });
  client.subscribe(
    { query: FEED },
    {
      next: (value) => {
        if (value.errors) closed.errors = value.errors;
        const message = (value.data as { deviceFeed?: FeedMessage } | null)?.deviceFeed;
        if (!message) return;
        messages.push(message);
        for (const waiter of [...waiters]) {
          if (waiter.test(message)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(message);
          }
        }
      },
      error: (error) => (closed.errors = error),
      complete: () => {},
    },
  );
  return {
    messages,
    closed,
    client,
    /** The first message (past or future) that passes `test`; fails after `ms`. */
    next(test: (m: FeedMessage) => boolean, ms = 10_000): Promise<FeedMessage> {
      const seen = messages.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching feed message in ${ms} ms`)), ms);
        waiters.push({ test, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
    close: () => client.dispose(),
  };
}

/** Polls a run until `test` passes (bounded). */
export async function waitForRun(
  server: TestServer,
  id: string,
  test: (run: any) => boolean,
  ms = 15_000,
): Promise<any> {
  const deadline = Date.now() + ms;
  for (;;) {
    const run = (await server.gql(RUN, { id })).data.execution;
    if (test(run)) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} stayed ${JSON.stringify(run?.status)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function flowId(server: TestServer, name: string): Promise<string> {
  const flows = await server.gql(`{ flows(first: 50) { edges { node { id name } } } }`);
  return flows.data.flows.edges.find((e: any) => e.node.name === name).node.id;
}

export async function trigger(server: TestServer, id: string, triggerStepKey?: string): Promise<string> {
  const result = await server.gql(
    `mutation($id: ID!, $k: String) { triggerFlow(id: $id, triggerStepKey: $k) { __typename ... on MutationTriggerFlowSuccess { data { id } } ... on Error { message } } }`,
    { id, k: triggerStepKey ?? null },
  );
  const runId = result.data?.triggerFlow?.data?.id;
  if (!runId) throw new Error(`trigger failed: ${JSON.stringify(result)}`);
  return runId;
}

export async function createTablet(server: TestServer, name: string, room: string | null, admin: string) {
  const created = await server.gql(
    `mutation($name: String!, $room: String) { createDevice(name: $name, room: $room) { ... on MutationCreateDeviceSuccess { data { token device { id } } } } }`,
    { name, room },
    admin,
  );
  return created.data.createDevice.data as { token: string; device: { id: string } };
}
