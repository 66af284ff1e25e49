import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutboundBlockedError } from '../net/index.js';
import { NodeNotFoundError, SshNotConfiguredError } from './create.js';
import type { ActionServices } from './services.js';
import { actionHarness, type ActionHarness } from './test-support.js';

let h: ActionHarness;
let services: ActionServices;
beforeEach(async () => {
  h = await actionHarness('allowed.example');
  services = h.actions;
});
afterEach(async () => {
  await h.close();
});

describe('action services', () => {
  it('select nodes by ids, tags (all of them), kind and status, sorted by name', async () => {
    const a = await h.addNode({ name: 'b-pi', kind: 'gateway', tags: ['pi', 'hall'] });
    const b = await h.addNode({ name: 'a-pi', kind: 'gateway', tags: ['pi'], status: 'offline' });
    const c = await h.addNode({ name: 'c-sensor', kind: 'sensor', tags: ['hall'] });
    const names = async (selector: Parameters<ActionServices['nodes']['select']>[0]) =>
      (await services.nodes.select(selector)).map((node) => node.name);
    expect(await names({})).toEqual(['a-pi', 'b-pi', 'c-sensor']);
    expect(await names({ tags: ['pi'] })).toEqual(['a-pi', 'b-pi']);
    expect(await names({ tags: ['pi', 'hall'] })).toEqual(['b-pi']);
    expect(await names({ kind: 'gateway', status: 'online' })).toEqual(['b-pi']);
    expect(await names({ ids: [b, c] })).toEqual(['a-pi', 'c-sensor']);
    expect(await names({ ids: [a], kind: 'sensor' })).toEqual([]);
  });

  it('never hand out the SSH secret, only whether one is stored', async () => {
    const id = await h.addNode({
      name: 'pi',
      ssh: { host: '10.0.0.2', port: 22, user: 'pi', secret: { password: 'hunter2' } },
    });
    const node = await services.nodes.get(id);
    expect(node).toMatchObject({ id, hasSshSecret: true, sshHost: '10.0.0.2' });
    expect(JSON.stringify(node)).not.toContain('hunter2');
    expect(await services.nodes.get('missing')).toBeNull();
  });

  it('ssh.run refuses unknown nodes and nodes without SSH details', async () => {
    const id = await h.addNode({ name: 'bare' });
    const options = { timeoutMs: 1000 };
    await expect(services.ssh.run('missing', 'true', options)).rejects.toBeInstanceOf(NodeNotFoundError);
    await expect(services.ssh.run(id, 'true', options)).rejects.toBeInstanceOf(SshNotConfiguredError);
  });

  it('outbound.fetch applies the configured policy', async () => {
    await expect(services.outbound.fetch('http://127.0.0.1:9/')).rejects.toBeInstanceOf(OutboundBlockedError);
    await expect(services.outbound.fetch('http://10.1.2.3/')).rejects.toBeInstanceOf(OutboundBlockedError);
  });
});
