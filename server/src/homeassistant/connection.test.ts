import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseOutboundAllowlist } from '../net/index.js';
import {
  startHomeAssistantTestServer,
  type HomeAssistantTestServer,
} from '../../test/support/home-assistant-server.js';
import { HomeAssistantConnection, type ConnectionStatus, type StateChange } from './connection.js';

let ha: HomeAssistantTestServer;
let connection: HomeAssistantConnection | undefined;
const statuses: Array<{ status: ConnectionStatus; detail?: string }> = [];

beforeEach(async () => {
  ha = await startHomeAssistantTestServer();
  statuses.length = 0;
});
afterEach(async () => {
  connection?.close();
  connection = undefined;
  await ha.close();
});

function connect(options: { token?: string; allow?: string } = {}) {
  connection = new HomeAssistantConnection({
    settings: { url: ha.url, token: options.token ?? ha.token },
    policy: parseOutboundAllowlist(options.allow ?? '127.0.0.1'),
    initialDelayMs: 20,
    maxDelayMs: 200,
    onStatus: (status, detail) => statuses.push({ status, ...(detail && { detail }) }),
  });
  return connection;
}

/** Resolves with the next `count` changes the connection delivers. */
function changes(target: HomeAssistantConnection, count: number) {
  const seen: StateChange[] = [];
  let unsubscribe!: () => void;
  const done = new Promise<StateChange[]>((resolve) => {
    unsubscribe = target.onStateChanged((change) => {
      seen.push(change);
      if (seen.length === count) resolve(seen);
    });
  });
  return { done, seen, unsubscribe: () => unsubscribe() };
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('the shared Home Assistant WebSocket', () => {
  it('authenticates, subscribes to state_changed and delivers old and new state', async () => {
    const target = connect();
    const watch = changes(target, 1);
    await ha.subscribed(1);
    ha.setState('binary_sensor.front_door', 'on', { device_class: 'door' });
    const [change] = await watch.done;
    expect(change).toMatchObject({
      entityId: 'binary_sensor.front_door',
      oldState: null,
      newState: { state: 'on', attributes: { device_class: 'door' } },
    });
    expect(ha.auths).toEqual([true]);
    expect(statuses.map((s) => s.status)).toEqual(['connecting', 'authenticating', 'subscribed']);
  });

  it('reports a refused token, does not subscribe and does not try it again', async () => {
    const target = connect({ token: 'wrong-token' });
    const watch = changes(target, 1);
    await until(() => statuses.some((s) => s.status === 'auth_failed' && s.detail?.includes('restart')));
    expect(ha.subscriptions).toBe(0);
    expect(statuses.find((s) => s.status === 'auth_failed')?.detail).toBe('Invalid access token or password');
    // Not tried again: HA would ban the address. Well past several backoff delays, still one attempt.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ha.auths).toEqual([false]);
    expect(target.status).toBe('auth_failed');
    // The token is never part of what the connection reports.
    expect(JSON.stringify(statuses)).not.toContain('wrong-token');
    ha.setState('light.kitchen', 'on');
    expect(watch.seen).toEqual([]);
  });

  it('reconnects after a dropped connection, subscribes again and still delivers', async () => {
    const target = connect();
    const watch = changes(target, 2);
    await ha.subscribed(1);
    ha.setState('light.kitchen', 'on');
    await until(() => watch.seen.length === 1);
    ha.dropConnections();
    await ha.subscribed(2);
    ha.setState('light.kitchen', 'off');
    const seen = await watch.done;
    expect(seen.map((change) => [change.oldState?.state ?? null, change.newState?.state])).toEqual([
      [null, 'on'],
      ['on', 'off'],
    ]);
    expect(ha.auths).toEqual([true, true]);
    expect(statuses.map((s) => s.status)).toContain('waiting');
  });

  it('follows the outbound policy: a LAN Home Assistant must be allow-listed', async () => {
    connect({ allow: '' });
    const target = connection!;
    changes(target, 1);
    await until(() => statuses.some((s) => s.status === 'waiting'));
    expect(statuses.find((s) => s.status === 'waiting')?.detail).toMatch(/KINFLOW_OUTBOUND_ALLOW/);
    expect(ha.auths).toEqual([]);
  });

  it('opens with the first listener and closes with the last', async () => {
    const target = connect();
    expect(target.status).toBe('idle');
    const first = changes(target, 1);
    const second = changes(target, 1);
    await until(() => target.status === 'subscribed');
    first.unsubscribe();
    expect(target.status).toBe('subscribed');
    second.unsubscribe();
    expect(target.status).toBe('idle');
    expect(ha.subscriptions).toBe(1);
  });
});
