import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_FLOW } from './fixtures.js';
import { ADMIN, startTestServer, type TestServer } from './harness.js';
import { ANSWER, createTablet, flowId, openFeed, trigger, waitForRun } from './tablet-helpers.js';

let server: TestServer;
let admin: string;
const feeds: Array<{ close(): Promise<void> | void }> = [];
beforeAll(async () => {
  server = await startTestServer({ demo: true });
  admin = await server.loginAs(ADMIN.email, ADMIN.password);
});
afterAll(async () => {
  await Promise.all(feeds.map((feed) => feed.close()));
  await server.stop();
});

const PAIR = `mutation($device: ID!) { createDevicePairing(device: $device) { __typename ... on MutationCreateDevicePairingSuccess { data { code url qrSvg expiresAt } } } }`;
const EXCHANGE = `mutation($code: String!) { pairDevice(code: $code) { __typename ... on Error { code message } ... on PairingCodeError { reason } ... on MutationPairDeviceSuccess { data { token device { id name room } } } } }`;

async function kitchenTablet() {
  const devices = await server.gql(`{ devices { id name } }`);
  return devices.data.devices.find((d: { name: string }) => d.name === 'Kitchen tablet') as { id: string };
}

async function pair(deviceId: string): Promise<string> {
  const pairing = (await server.gql(PAIR, { device: deviceId }, admin)).data.createDevicePairing.data;
  const paired = await server.gql(EXCHANGE, { code: pairing.code }, null);
  return paired.data.pairDevice.data.token;
}

function feed(token: string) {
  const opened = openFeed(server, token);
  feeds.push(opened);
  return opened;
}

async function promptFlow(name: string, config: Record<string, unknown>) {
  const created = await server.gql(CREATE_FLOW, {
    input: {
      name,
      steps: [
        { key: 'start', type: 'manual' },
        { key: 'ask', type: 'interactive_prompt', config: { popupMessageTemplate: 'All well?', ...config } },
        { key: 'help', type: 'alert', config: { level: 'emergency', message: `${name}: help` } },
        { key: 'fine', type: 'log', config: { message: 'fine' } },
      ],
      edges: [
        { source: 'start', target: 'ask' },
        { source: 'ask', sourcePort: 'escalate', target: 'help' },
        { source: 'ask', sourcePort: 'dismiss', target: 'fine' },
      ],
    },
  });
  return created.data.createFlow.data.id as string;
}

describe('pairing', () => {
  it('a code pairs once: the token opens the feed; the same code again is refused; the old token stops working', async () => {
    const kitchen = await kitchenTablet();
    const pairing = (await server.gql(PAIR, { device: kitchen.id }, admin)).data.createDevicePairing.data;
    expect(pairing.code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(pairing.url).toContain(`/tablet/pair?code=${pairing.code}`);
    expect(pairing.qrSvg).toContain('<svg');
    const first = await server.gql(EXCHANGE, { code: pairing.code.toLowerCase() }, null);
    expect(first.data.pairDevice.data.device.name).toBe('Kitchen tablet');
    const again = await server.gql(EXCHANGE, { code: pairing.code }, null);
    expect(again.data.pairDevice).toMatchObject({ __typename: 'PairingCodeError', reason: 'used' });
    const old = await server.gql(`{ viewer { __typename } }`, {}, server.credentials.deviceToken);
    expect(old.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const tablet = feed(first.data.pairDevice.data.token);
    const snapshot = await tablet.next((m) => m.kind === 'SNAPSHOT');
    expect(snapshot.device).toMatchObject({ name: 'Kitchen tablet', room: 'Kitchen' });
  });

  it('an expired code is refused', async () => {
    const { device } = await createTablet(server, 'Expiry tablet', 'Hall', admin);
    const pairing = (await server.gql(PAIR, { device: device.id }, admin)).data.createDevicePairing.data;
    // better-sqlite3 ships no types; the test only needs prepare/run/close.
    const { default: Database } = (await import('better-sqlite3' as string)) as {
      default: new (file: string) => { prepare(sql: string): { run(...a: unknown[]): void }; close(): void };
    };
    const db = new Database(path.join(server.dataDir, 'kinflow.sqlite'));
    db.prepare('update device_pairings set expires_at = ?').run(Date.now() - 1000);
    db.close();
    const result = await server.gql(EXCHANGE, { code: pairing.code }, null);
    expect(result.data.pairDevice).toMatchObject({ __typename: 'PairingCodeError', reason: 'expired' });
  });

  it('revoking a tablet closes its WebSocket at once and its token stops working', async () => {
    const { device, token } = await createTablet(server, 'Revoked tablet', 'Hall', admin);
    const tablet = feed(token);
    await tablet.next((m) => m.kind === 'SNAPSHOT');
    const online = await server.gql(`query($id: ID!) { node(id: $id) { ... on Device { online } } }`, {
      id: device.id,
    });
    expect(online.data.node.online).toBe(true);
    await server.gql(`mutation($id: ID!) { revokeDevice(id: $id) { __typename } }`, { id: device.id }, admin);
    await expect.poll(() => tablet.closed.code, { timeout: 5000 }).toBe(4403);
    const after = await server.gql(`{ viewer { __typename } }`, {}, token);
    expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('a tablet token is refused for everything but its feed and answers', async () => {
    const { token } = await createTablet(server, 'Nosy tablet', 'Hall', admin);
    for (const query of [
      `{ pendingPrompts { edges { node { id } } } }`,
      `{ devices { id } }`,
      `{ infoCards { edges { node { id } } } }`,
      `{ flows { totalCount } }`,
    ]) {
      const result = await server.gql(query, {}, token);
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });
});

describe('the Bathroom check-in', () => {
  it('prompt on the kitchen tablet → "I need help" → escalate → emergency alert', async () => {
    const kitchen = await kitchenTablet();
    const token = await pair(kitchen.id);
    const tablet = feed(token);
    await tablet.next((m) => m.kind === 'SNAPSHOT');
    const runId = await trigger(server, await flowId(server, 'Bathroom check-in'), 'long_visit');
    const shown = await tablet.next((m) => m.prompts.length > 0);
    const prompt = shown.prompts[0]!;
    expect(prompt).toMatchObject({ message: 'Are you okay, Rose?', countdownSeconds: 60, status: 'OPEN' });
    expect((await waitForRun(server, runId, (r) => r.status === 'WAITING')).status).toBe('WAITING');

    const answered = await server.gql(
      ANSWER,
      { prompt: prompt.id, action: 'ESCALATE', answerId: randomUUID() },
      token,
    );
    expect(answered.data.answerPrompt.__typename).toBe('MutationAnswerPromptSuccess');
    await tablet.next((m) => m.kind === 'PROMPT_CLOSED' && m.prompts.length === 0);
    const run = await waitForRun(server, runId, (r) => r.status === 'COMPLETED');
    expect(run.data.interactive_response).toMatchObject({
      channel: 'tablet',
      action: 'escalate',
      device: { name: 'Kitchen tablet' },
    });
    expect(run.data.auto_escalate_triggered).toBe(true);
    expect(run.completedSteps).toContain('call_family');
    const alerts = await server.gql(
      `{ alerts(first: 5, level: EMERGENCY) { edges { node { message executionId } } } }`,
    );
    const alert = alerts.data.alerts.edges.find((e: any) => e.node.executionId === runId);
    expect(alert.node.message).toBe('Rose may need help in the bathroom (tablet)');
  });
});

describe('answers', () => {
  it('the first answer wins; the same answerId again gets the same result; another gets the winning answer', async () => {
    const id = await promptFlow('Answer rules', { countdownSeconds: 120 });
    const { token } = await createTablet(server, 'Answer tablet', 'Study', admin);
    const tablet = feed(token);
    const runId = await trigger(server, id);
    const prompt = (await tablet.next((m) => m.prompts.some((p) => p.message === 'All well?'))).prompts.find(
      (p) => p.message === 'All well?',
    )!;
    const answerId = randomUUID();
    const first = await server.gql(ANSWER, { prompt: prompt.id, action: 'DISMISS', answerId }, token);
    const repeat = await server.gql(ANSWER, { prompt: prompt.id, action: 'DISMISS', answerId }, token);
    expect(repeat.data.answerPrompt).toEqual(first.data.answerPrompt);
    const other = await server.gql(
      ANSWER,
      { prompt: prompt.id, action: 'ESCALATE', answerId: randomUUID() },
      admin,
    );
    expect(other.data.answerPrompt).toMatchObject({
      __typename: 'PromptAlreadyAnsweredError',
      code: 'PROMPT_ALREADY_ANSWERED',
      answer: { action: 'DISMISS', answerId, via: 'TABLET', byName: 'Answer tablet' },
    });
    const run = await waitForRun(server, runId, (r) => r.status === 'COMPLETED');
    const ask = run.timeline.filter((t: any) => t.stepKey === 'ask' && t.status === 'COMPLETED');
    expect(ask).toHaveLength(1);
    expect(ask[0].ports.sort()).toEqual(['answered', 'dismiss']);
    expect(run.completedSteps).toContain('fine');
  });

  it('a caregiver answers on the senior’s behalf, recorded as such', async () => {
    const id = await promptFlow('On behalf', { countdownSeconds: 120 });
    const runId = await trigger(server, id);
    await waitForRun(server, runId, (r) => r.status === 'WAITING');
    const pending = await server.gql(`{ pendingPrompts { edges { node { id message stepKey } } } }`);
    const prompt = pending.data.pendingPrompts.edges.at(-1).node;
    // The caregiver's home screen lists it while it waits, and no longer once it is answered.
    const attention = `{ needsAttention { pendingPrompts { id } } }`;
    const before = await server.gql(attention, {}, admin);
    expect(before.data.needsAttention.pendingPrompts.map((p: { id: string }) => p.id)).toContain(prompt.id);
    const answer = await server.gql(
      ANSWER,
      { prompt: prompt.id, action: 'ESCALATE', answerId: randomUUID() },
      admin,
    );
    const after = await server.gql(attention, {}, admin);
    expect(after.data.needsAttention.pendingPrompts.map((p: { id: string }) => p.id)).not.toContain(
      prompt.id,
    );
    expect(answer.data.answerPrompt.data.answer).toMatchObject({ via: 'CAREGIVER', action: 'ESCALATE' });
    const run = await waitForRun(server, runId, (r) => r.status === 'COMPLETED');
    expect(run.data.interactive_response.channel).toBe('caregiver');
  });

  it('REST: an API key with the respond scope answers', async () => {
    const key = await server.gql(
      `mutation { createApiKey(name: "Voice assistant", scopes: [RESPOND]) { ... on MutationCreateApiKeySuccess { data { token } } } }`,
      {},
      admin,
    );
    const token = key.data.createApiKey.data.token;
    const runId = await trigger(server, await promptFlow('Voice answer', { countdownSeconds: 120 }));
    await waitForRun(server, runId, (r) => r.status === 'WAITING');
    const pending = await server.gql(`{ pendingPrompts { edges { node { id } } } }`);
    const promptId = pending.data.pendingPrompts.edges.at(-1).node.id;
    const response = await server.rest(
      'POST',
      `/v1/prompts/${encodeURIComponent(promptId)}/answer`,
      { action: 'DISMISS', answerId: randomUUID() },
      token,
    );
    expect(response.status).toBe(200);
    const again = await server.rest(
      'POST',
      `/v1/prompts/${encodeURIComponent(promptId)}/answer`,
      { action: 'ESCALATE', answerId: randomUUID() },
      token,
    );
    expect(again.status).toBe(409);
    const run = await waitForRun(server, runId, (r) => r.status === 'COMPLETED');
    expect(run.data.interactive_response).toMatchObject({ channel: 'api', action: 'dismiss' });
  });

  it('no answer: the timeout resumes once with timeoutAction; a late answer gets PromptExpiredError', async () => {
    const id = await promptFlow('Times out', {
      countdownSeconds: 5,
      timeoutAction: 'escalate',
      autoEscalate: true,
    });
    const { token } = await createTablet(server, 'Timeout tablet', 'Attic', admin);
    const tablet = feed(token);
    const runId = await trigger(server, id);
    const prompt = (await tablet.next((m) => m.prompts.length > 0)).prompts[0]!;
    const run = await waitForRun(server, runId, (r) => r.status === 'COMPLETED', 20_000);
    expect(run.data.interactive_response).toMatchObject({ channel: 'timeout', action: 'escalate' });
    expect(run.data.auto_escalate_triggered).toBe(true);
    expect(run.timeline.filter((t: any) => t.stepKey === 'help')).toHaveLength(1);
    const late = await server.gql(
      ANSWER,
      { prompt: prompt.id, action: 'DISMISS', answerId: randomUUID() },
      token,
    );
    expect(late.data.answerPrompt).toMatchObject({
      __typename: 'PromptExpiredError',
      code: 'PROMPT_EXPIRED',
    });
    await tablet.next((m) => m.kind === 'PROMPT_CLOSED' && m.prompts.length === 0);
  });

  it('cancelling the run withdraws the prompt from the tablet', async () => {
    const id = await promptFlow('Cancelled', { countdownSeconds: 120 });
    const { token } = await createTablet(server, 'Cancel tablet', 'Porch', admin);
    const tablet = feed(token);
    const runId = await trigger(server, id);
    const prompt = (await tablet.next((m) => m.prompts.length > 0)).prompts[0]!;
    await waitForRun(server, runId, (r) => r.status === 'WAITING');
    await server.gql(`mutation($id: ID!) { cancelExecution(id: $id) { __typename } }`, { id: runId });
    const withdrawn = await tablet.next((m) => m.kind === 'WITHDRAWN');
    expect(withdrawn.prompts.map((p) => p.id)).not.toContain(prompt.id);
    const late = await server.gql(
      ANSWER,
      { prompt: prompt.id, action: 'DISMISS', answerId: randomUUID() },
      token,
    );
    expect(late.data.answerPrompt.__typename).toBe('PromptExpiredError');
  });

  it('a prompt for one room is not shown on a tablet in another room', async () => {
    const { token: bedroom } = await createTablet(server, 'Bedroom tablet', 'Bedroom', admin);
    const { token: garden } = await createTablet(server, 'Garden tablet', 'Garden', admin);
    const inRoom = feed(bedroom);
    const elsewhere = feed(garden);
    await elsewhere.next((m) => m.kind === 'SNAPSHOT');
    await trigger(server, await promptFlow('Bedroom only', { countdownSeconds: 120, room: 'bedroom' }));
    const shown = await inRoom.next((m) => m.prompts.some((p) => p.message === 'All well?'));
    const promptId = shown.prompts.find((p) => p.message === 'All well?')!.id;
    expect(elsewhere.messages.flatMap((m) => m.prompts.map((p) => p.id))).not.toContain(promptId);
    const refused = await server.gql(
      ANSWER,
      { prompt: promptId, action: 'DISMISS', answerId: randomUUID() },
      garden,
    );
    expect(refused.data.answerPrompt.__typename).toBe('NotFoundError');
  });
});

describe('announcements', () => {
  async function announceFlow(name: string, room: string) {
    const created = await server.gql(CREATE_FLOW, {
      input: {
        name,
        steps: [
          { key: 'start', type: 'manual' },
          {
            key: 'say',
            type: 'tts_announcement',
            config: { message: 'Lunch is at {{ trigger.payload.when }}', room, waitSeconds: 5 },
          },
          { key: 'missed', type: 'log', config: { message: 'nobody heard it' } },
        ],
        edges: [
          { source: 'start', target: 'say' },
          { source: 'say', sourcePort: 'not_delivered', target: 'missed' },
        ],
      },
    });
    return created.data.createFlow.data.id as string;
  }
  const run = async (id: string) => {
    const r = await server.gql(
      `mutation($id: ID!) { triggerFlow(id: $id, payload: { when: "noon" }) { ... on MutationTriggerFlowSuccess { data { id } } } }`,
      { id },
    );
    return r.data.triggerFlow.data.id as string;
  };

  it('with no tablet online: not_delivered (output and port), never a pretended success', async () => {
    const runId = await run(await announceFlow('Nobody listens', 'Cellar'));
    const done = await waitForRun(server, runId, (r) => r.status === 'COMPLETED');
    expect(done.data.announcement).toMatchObject({ status: 'not_delivered', spokenBy: [] });
    expect(done.completedSteps).toContain('missed');
  });

  it('the tablet speaks it and reports back; the report is in the run output', async () => {
    const { token } = await createTablet(server, 'Lounge tablet', 'Lounge', admin);
    const tablet = feed(token);
    await tablet.next((m) => m.kind === 'SNAPSHOT');
    const runId = await run(await announceFlow('Lunch call', 'Lounge'));
    const message = await tablet.next((m) => m.deliveries.some((d) => d.kind === 'ANNOUNCEMENT'));
    const delivery = message.deliveries.find((d) => d.kind === 'ANNOUNCEMENT')!;
    expect(delivery.text).toBe('Lunch is at noon');
    const ack = await server.gql(
      `mutation($id: ID!) { acknowledgeDelivery(delivery: $id, status: SPOKEN) { __typename } }`,
      { id: delivery.id },
      token,
    );
    expect(ack.data.acknowledgeDelivery.__typename).toBe('MutationAcknowledgeDeliverySuccess');
    const done = await waitForRun(server, runId, (r) => r.status === 'COMPLETED');
    expect(done.data.announcement).toMatchObject({ status: 'spoken', spokenBy: ['Lounge tablet'] });
    expect(done.completedSteps).not.toContain('missed');
  });
});

describe('info cards', () => {
  // A 1×1 PNG.
  const PNG = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
    'base64',
  );
  const CREATE_CARD = `mutation($input: InfoCardInput!) { createInfoCard(input: $input) { ... on MutationCreateInfoCardSuccess { data { id bodyHtml approved } } } }`;

  it('renders the safe Markdown subset without raw HTML; images need alt text and a real image type', async () => {
    const card = (
      await server.gql(CREATE_CARD, {
        input: {
          title: 'Stove',
          body: '**Turn it off** after cooking.\n\n<script>alert(1)</script> [x](javascript:alert(1))',
        },
      })
    ).data.createInfoCard.data;
    expect(card.bodyHtml).toContain('<strong>Turn it off</strong>');
    expect(card.bodyHtml).not.toContain('<script>');
    expect(card.bodyHtml).toContain('&lt;script&gt;');
    expect(card.bodyHtml).not.toContain('href');
    const upload = (query: string, body: Buffer) =>
      fetch(`${server.url}/media/cards/${encodeURIComponent(card.id)}${query}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'image/png' },
        body: new Uint8Array(body),
      });
    const noAlt = await upload('', PNG);
    expect(noAlt.status).toBe(422);
    expect(await noAlt.json()).toMatchObject({ error: { code: 'INVALID_INPUT', field: 'alt' } });
    expect((await upload('?alt=x', Buffer.from('GIF89a not allowed'))).status).toBe(415);
    expect((await upload('?alt=x', Buffer.alloc(3 * 1024 * 1024, 1))).status).toBe(413);
    const ok = await upload('?alt=' + encodeURIComponent('The cooker with its knobs'), PNG);
    expect(ok.status).toBe(200);
    const { imageUrl } = ((await ok.json()) as { data: { imageUrl: string } }).data;
    const image = await fetch(`${server.url}${imageUrl}`);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer())).toEqual(PNG);
  });

  it('an unapproved card is refused at save time; an approved one is shown on the tablet with its timer', async () => {
    const card = (
      await server.gql(CREATE_CARD, { input: { title: 'Lunch', body: 'Soup is in the fridge.' } })
    ).data.createInfoCard.data;
    const input = (name: string) => ({
      name,
      steps: [
        { key: 'start', type: 'manual' },
        { key: 'show', type: 'info_card', config: { cardId: card.id, room: 'Pantry', dismissSeconds: 30 } },
      ],
      edges: [{ source: 'start', target: 'show' }],
    });
    const refused = await server.gql(CREATE_FLOW, { input: input('Unapproved card') });
    expect(refused.data.createFlow.__typename).toBe('FlowValidationError');
    expect(refused.data.createFlow.issues[0]).toMatchObject({ stepKey: 'show', field: 'config.cardId' });
    await server.gql(
      `mutation($id: ID!) { approveInfoCard(id: $id, approved: true) { __typename } }`,
      { id: card.id },
      admin,
    );
    const flow = await server.gql(CREATE_FLOW, { input: input('Approved card') });
    const { token } = await createTablet(server, 'Pantry tablet', 'Pantry', admin);
    const tablet = feed(token);
    await tablet.next((m) => m.kind === 'SNAPSHOT');
    const runId = await trigger(server, flow.data.createFlow.data.id);
    const shown = await tablet.next((m) => m.deliveries.some((d) => d.kind === 'CARD'));
    const delivery = shown.deliveries.find((d) => d.kind === 'CARD') as any;
    expect(delivery).toMatchObject({ dismissSeconds: 30, card: { title: 'Lunch' } });
    const run = await waitForRun(server, runId, (r) => r.status === 'COMPLETED');
    expect(run.data.info_card).toMatchObject({
      title: 'Lunch',
      dismissSeconds: 30,
      onlineTablets: ['Pantry tablet'],
    });
    await server.gql(
      `mutation($id: ID!) { acknowledgeDelivery(delivery: $id, status: DISMISSED) { __typename } }`,
      { id: delivery.id },
      token,
    );
    const closed = await tablet.next(
      (m) => m.kind === 'DELIVERY' && !m.deliveries.some((d) => d.id === delivery.id),
    );
    expect(closed.deliveries.map((d) => d.id)).not.toContain(delivery.id);
  });
});
