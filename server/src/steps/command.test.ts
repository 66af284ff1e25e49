import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionHarness, outputOf, runChain, type ActionHarness } from '../actions/test-support.js';
import { GatewayNode } from '../db/entities/index.js';
import { timeline } from '../engine/test-fixtures.js';
import { startTestSshd, type TestSshd } from '../ssh/test-sshd.js';

let sshd: TestSshd;
let h: ActionHarness;
beforeAll(async () => {
  sshd = await startTestSshd();
});
afterAll(async () => {
  await sshd?.stop();
});
beforeEach(async () => {
  h = await actionHarness();
});
afterEach(async () => {
  await h.close();
});

function sshNode(
  name: string,
  overrides: { fingerprint?: string | null; tofu?: boolean; port?: number } = {},
) {
  return h.addNode({
    name,
    ssh: {
      host: sshd.host,
      port: overrides.port ?? sshd.port,
      user: sshd.username,
      secret: { privateKey: sshd.clientKey },
      fingerprint: 'fingerprint' in overrides ? overrides.fingerprint : sshd.hostKeyFingerprint,
      tofu: overrides.tofu ?? false,
    },
  });
}

const storedFingerprint = async (id: string) =>
  (await h.em().findOneOrFail(GatewayNode, { id })).sshHostKeyFingerprint;

describe('command (SSH against a real OpenSSH server)', () => {
  it('runs on the trigger node and outputs stdout, stderr, exit code and duration', async () => {
    const id = await sshNode('pi');
    const { run } = await runChain(
      h,
      'ok',
      [
        { key: 'cmd', type: 'command', config: { command: 'echo hello {node_name}; echo warn 1>&2' } },
        { key: 'say', type: 'log', config: { message: 'said {prev_result}' } },
      ],
      { node: { id, name: 'pi' } },
    );
    expect(run.status).toBe('completed');
    expect(outputOf(run, 'cmd')).toMatchObject({
      nodeId: id,
      ok: true,
      exitCode: 0,
      stdout: 'hello pi\n',
      stderr: 'warn\n',
      durationMs: expect.any(Number),
      learnedHostKey: false,
    });
    expect(outputOf(run, 'say').message).toBe('said hello pi');
  });

  it('takes the error port on a non-zero exit, or fails the step with failOnNonZero', async () => {
    const id = await sshNode('pi');
    const flowId = await h.createFlow(
      'exit',
      [
        { key: 'start', type: 'manual', config: {} },
        { key: 'cmd', type: 'command', config: { nodeId: id, command: 'echo oops 1>&2; exit 3' } },
        { key: 'fine', type: 'log', config: { message: 'fine' } },
        { key: 'broken', type: 'log', config: { message: 'exit {{ steps.cmd.output.exitCode }}' } },
      ],
      [
        ['start', 'cmd'],
        ['cmd', 'fine', 'main'],
        ['cmd', 'broken', 'error'],
      ],
    );
    const run = await h.engine.settled((await h.engine.trigger({ flowId })).id);
    expect(run.status).toBe('completed');
    expect(outputOf(run, 'cmd')).toMatchObject({ ok: false, exitCode: 3, stderr: 'oops\n' });
    expect(run.skippedSteps).toContain('fine');
    expect(outputOf(run, 'broken').message).toBe('exit 3');

    const strict = await runChain(h, 'strict', [
      {
        key: 'cmd',
        type: 'command',
        config: { nodeId: id, command: 'echo oops 1>&2; exit 3', failOnNonZero: true },
      },
    ]);
    expect(strict.run.status).toBe('failed');
    expect(strict.run.error).toMatchObject({
      code: 'command_failed',
      message: expect.stringMatching(/exited with 3: oops/),
    });
  });

  it('times out and fails the step', async () => {
    const id = await sshNode('pi');
    const { run } = await runChain(h, 'slow', [
      { key: 'cmd', type: 'command', config: { nodeId: id, command: 'sleep 20', timeoutSeconds: 0.5 } },
    ]);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'timeout', message: expect.stringMatching(/timed out/) });
  });

  it('refuses an unknown host key unless the node trusts on first use', async () => {
    const id = await sshNode('stranger', { fingerprint: null, tofu: false });
    const { run } = await runChain(h, 'unknown', [
      { key: 'cmd', type: 'command', config: { nodeId: id, command: 'true' } },
    ]);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'ssh_host_key', message: expect.stringMatching(/host key/i) });
    expect(await storedFingerprint(id)).toBeNull();
  });

  it('stores the fingerprint on first use, then refuses a changed key', async () => {
    const id = await sshNode('tofu', { fingerprint: null, tofu: true });
    const first = await runChain(h, 'first', [
      { key: 'cmd', type: 'command', config: { nodeId: id, command: 'echo hi' } },
    ]);
    expect(first.run.status).toBe('completed');
    expect(outputOf(first.run, 'cmd')).toMatchObject({
      learnedHostKey: true,
      hostKeyFingerprint: sshd.hostKeyFingerprint,
    });
    expect(await storedFingerprint(id)).toBe(sshd.hostKeyFingerprint);

    // The same node now answers from another server (another host key): refused, fingerprint kept.
    const other = await startTestSshd();
    try {
      const em = h.em();
      const node = await em.findOneOrFail(GatewayNode, { id });
      node.sshPort = other.port;
      await em.flush();
      const second = await runChain(h, 'second', [
        { key: 'cmd', type: 'command', config: { nodeId: id, command: 'echo hi' } },
      ]);
      expect(second.run.status).toBe('failed');
      expect(second.run.error).toMatchObject({
        code: 'ssh_host_key',
        message: expect.stringMatching(/host key/i),
      });
      expect(await storedFingerprint(id)).toBe(sshd.hostKeyFingerprint);
      const row = (await timeline(h, second.run.id)).find((entry) => entry.key === 'cmd')!;
      expect(row.status).toBe('failed');
    } finally {
      await other.stop();
    }
  });

  it('connects nowhere in a dry run', async () => {
    const id = await sshNode('pi');
    const result = await h.engine.testStep({ type: 'command', config: { nodeId: id, command: 'reboot' } });
    expect(result).toMatchObject({
      success: true,
      output: { dryRun: true, wouldRun: { nodeId: id, nodeName: 'pi', command: 'reboot' } },
    });
  });

  it('runs per node through for_each_node, with each node as the target', async () => {
    const a = await sshNode('node-a');
    const b = await sshNode('node-b');
    await h.addNode({ name: 'no-ssh' });
    const { run } = await runChain(h, 'each', [
      {
        key: 'each',
        type: 'for_each_node',
        config: {
          selector: { ids: [a, b] },
          action: { type: 'command', config: { command: 'echo {node_name}' } },
        },
      },
    ]);
    expect(run.status).toBe('completed');
    expect(outputOf(run, 'each').results.map((r: any) => [r.nodeId, r.output.stdout])).toEqual([
      [a, 'node-a\n'],
      [b, 'node-b\n'],
    ]);
  });
});
