import { afterEach, describe, expect, it } from 'vitest';
import { actionHarness, runChain, type ActionHarness } from '../actions/test-support.js';

let h: ActionHarness | undefined;
afterEach(async () => {
  await h?.close();
});

const node = (host: string, port: number) =>
  h!.addNode({
    name: `box-${host}-${port}`,
    ssh: { host, port, user: 'pi', secret: { password: 'x' }, fingerprint: null, tofu: true },
  });

async function errorOf(id: string) {
  const { run } = await runChain(h!, `ssh-${id}`, [
    { key: 'cmd', type: 'command', config: { nodeId: id, command: 'true' } },
  ]);
  expect(run.status).toBe('failed');
  return run.error as { code: string; message: string };
}

describe('command follows the outbound policy', () => {
  it('refuses an SSH host outside the allow-list, with the same error as an unreachable one', async () => {
    // Only 127.0.0.1 is allowed; 127.0.0.2 is loopback too, so a connection would otherwise be tried.
    h = await actionHarness('127.0.0.1');
    const blocked = await errorOf(await node('127.0.0.2', 22));
    const closed = await errorOf(await node('127.0.0.1', 1));
    expect(blocked.code).toBe('ssh_connection');
    expect(blocked.message).toMatch(/not reachable or not allowed/);
    expect(blocked.message.replace(/box-[^"]+/, 'N')).toBe(closed.message.replace(/box-[^"]+/, 'N'));
  });
});
