import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionHarness, outputOf, runChain, type ActionHarness } from '../actions/test-support.js';
import { startHttpServer, type TestServer } from '../net/test-servers.js';
import { discoverChannels } from './registry.js';

let h: ActionHarness;
let server: TestServer;
let status = 200;
beforeEach(async () => {
  h = await actionHarness();
  status = 200;
  server = await startHttpServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'nope');
  });
});
afterEach(async () => {
  await server.close();
  await h.close();
});

const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
const bodyAt = (path: string) => JSON.parse(server.requests.find((r) => r.url === path)!.body);

describe('notification channels', () => {
  it('are discovered from the folder, one file each', async () => {
    expect((await discoverChannels()).types()).toEqual([
      'in_app',
      'slack',
      'tablet_popup',
      'tablet_speech',
      'teams',
      'webhook',
    ]);
  });

  it('deliver one message to every channel, each with its own template and payload shape', async () => {
    const nodeId = await h.addNode({ name: 'Kitchen hub' });
    const { run } = await runChain(
      h,
      'notify all',
      [
        {
          key: 'notify',
          type: 'notification',
          config: {
            level: 'warning',
            message: '{node_name} {metric} hit {value}',
            channels: [
              { type: 'in_app' },
              { type: 'slack', url: url('/slack'), template: 'Slack: {node_name} is at {value} <hot> & dry' },
              { type: 'teams', url: url('/teams'), template: 'Teams: {{ trigger.metric }} = {value}' },
              { type: 'webhook', url: url('/hook'), headers: { authorization: 'Bearer t0ken' } },
              { type: 'slack' },
            ],
          },
        },
      ],
      { node: { id: nodeId, name: 'Kitchen hub' }, metric: 'temperature', value: 31 },
    );
    expect(run.status).toBe('completed');
    expect(run.cooloffConsumed).toBe(true);
    const out = outputOf(run, 'notify');
    expect(out.notification_dispatched).toBe(true);
    expect(out.notification_channels).toEqual([
      { channel: 'in_app', delivered: true, alertId: expect.any(String), nodeId },
      { channel: 'slack', delivered: true, status: 200 },
      { channel: 'teams', delivered: true, status: 200 },
      { channel: 'webhook', delivered: true, status: 200 },
      { channel: 'slack', delivered: false, reason: 'not_configured' },
    ]);

    const alerts = (await h.orm.em.getConnection().execute('select * from flow_alerts')) as any[];
    expect(alerts).toMatchObject([
      { level: 'warning', message: 'Kitchen hub temperature hit 31', node_id: nodeId },
    ]);

    const slack = bodyAt('/slack');
    expect(slack.text).toBe('Warning · notify all: Slack: Kitchen hub is at 31 <hot> & dry');
    expect(slack.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Warning · notify all', emoji: true },
    });
    // Slack mrkdwn control characters in user text are escaped.
    expect(slack.blocks[1]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: 'Slack: Kitchen hub is at 31 &lt;hot&gt; &amp; dry' },
    });
    expect(slack.blocks[2].type).toBe('context');

    const teams = bodyAt('/teams');
    expect(teams.type).toBe('message');
    expect(teams.attachments).toHaveLength(1);
    const card = teams.attachments[0];
    expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card.content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card.content.body[0]).toMatchObject({
      type: 'TextBlock',
      text: 'Warning · notify all',
      color: 'Warning',
    });
    expect(card.content.body[1]).toEqual({ type: 'TextBlock', text: 'Teams: temperature = 31', wrap: true });

    const hook = bodyAt('/hook');
    expect(hook).toMatchObject({
      source: 'kinflow',
      level: 'warning',
      message: 'Kitchen hub temperature hit 31',
      nodeId,
      flow: 'notify all',
      executionId: run.id,
      step: 'notify',
    });
    const hookRequest = server.requests.find((r) => r.url === '/hook')!;
    expect(hookRequest.headers.authorization).toBe('Bearer t0ken');
    expect(hookRequest.headers['content-type']).toMatch(/application\/json/);
  });

  it('reports unconfigured channels without pretending success, and consumes no cool-off', async () => {
    const { run } = await runChain(h, 'nothing configured', [
      {
        key: 'notify',
        type: 'notification',
        config: { message: 'hello', channels: [{ type: 'teams' }, { type: 'webhook', url: '' }] },
      },
    ]);
    expect(run.status).toBe('completed');
    expect(run.cooloffConsumed).toBe(false);
    expect(outputOf(run, 'notify')).toMatchObject({
      notification_dispatched: false,
      notification_channels: [
        { channel: 'teams', delivered: false, reason: 'not_configured' },
        { channel: 'webhook', delivered: false, reason: 'not_configured' },
      ],
    });
    expect(server.requests).toHaveLength(0);
  });

  it('lists a failing channel next to the delivered ones; fails the step when none got through', async () => {
    status = 500;
    const partial = await runChain(h, 'partial', [
      {
        key: 'notify',
        type: 'notification',
        config: { message: 'hi', channels: [{ type: 'in_app' }, { type: 'slack', url: url('/slack') }] },
      },
    ]);
    expect(partial.run.status).toBe('completed');
    expect(outputOf(partial.run, 'notify').notification_channels[1]).toMatchObject({
      channel: 'slack',
      delivered: false,
      reason: 'failed',
      error: expect.stringContaining('answered 500'),
    });
    const none = await runChain(h, 'none', [
      {
        key: 'notify',
        type: 'notification',
        config: { message: 'hi', channels: [{ type: 'webhook', url: url('/x') }] },
      },
    ]);
    expect(none.run.status).toBe('failed');
    expect(none.run.error?.message).toMatch(/no channel delivered: webhook: .*answered 500/);
  });

  it('refuses private targets that are not allow-listed', async () => {
    await h.close();
    h = await actionHarness('allowed.example');
    const { run } = await runChain(h, 'blocked', [
      {
        key: 'notify',
        type: 'notification',
        config: { message: 'hi', channels: [{ type: 'webhook', url: url('/x') }] },
      },
    ]);
    expect(run.status).toBe('failed');
    expect(run.error?.message).toMatch(/no channel delivered: webhook: .*127\.0\.0\.1/);
    expect(outputOf(run, 'notify')).toEqual({});
    expect(server.requests).toHaveLength(0);
  });

  it('sends nothing in a dry run (testStep) and shows what it would send', async () => {
    const result = await h.engine.testStep({
      type: 'notification',
      config: { message: 'dry', channels: [{ type: 'slack', url: url('/slack') }, { type: 'in_app' }] },
    });
    expect(result.success).toBe(true);
    expect((result.output as any).notification_channels).toEqual([
      {
        channel: 'slack',
        delivered: false,
        reason: 'dry_run',
        wouldSend: expect.objectContaining({ blocks: expect.any(Array) }),
      },
      {
        channel: 'in_app',
        delivered: false,
        reason: 'dry_run',
        wouldSend: { level: 'warning', message: 'dry', nodeId: null },
      },
    ]);
    expect(server.requests).toHaveLength(0);
    const alerts = (await h.orm.em.getConnection().execute('select * from flow_alerts')) as unknown[];
    expect(alerts).toHaveLength(0);
  });
});
