import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { actionHarness, outputOf, runChain, type ActionHarness } from '../actions/test-support.js';
import { timeline } from '../engine/test-fixtures.js';
import { ActionTemplateService } from '../flows/action-templates.js';
import { startHttpServer, type Handler, type TestServer } from '../net/test-servers.js';
import { defineStepType, type StepTypeDefinition } from './step-type.js';

let h: ActionHarness;
let server: TestServer;
let handler: Handler;
beforeEach(async () => {
  h = await actionHarness();
  handler = (_req, res) => res.writeHead(200).end();
  server = await startHttpServer((req, res, body) => handler(req, res, body));
});
afterEach(async () => {
  await server.close();
  await h.close();
});

const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;

describe('webhook_out', () => {
  it('retries through the error strategy: fails twice, then delivers', async () => {
    let calls = 0;
    handler = (_req, res) => {
      calls++;
      if (calls <= 2) res.writeHead(503).end('busy');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    };
    const { run } = await runChain(
      h,
      'retrying',
      [
        {
          key: 'post',
          type: 'webhook_out',
          onError: 'retry',
          retryAttempts: 3,
          config: { format: 'slack', url: url('/hook'), message: 'Node {node_name} is {value}' },
        },
      ],
      { node: { id: 'n1', name: 'Hall' }, value: 'offline' },
    );
    expect(run.status).toBe('completed');
    expect(calls).toBe(3);
    expect(outputOf(run, 'post')).toMatchObject({
      delivered: true,
      status: 200,
      format: 'slack',
      response: { ok: true },
    });
    const rows = (await timeline(h, run.id)).filter((row) => row.key === 'post');
    expect(rows.map((row) => row.status)).toEqual(['failed', 'failed', 'completed']);
    expect(rows[0]!.error).toMatch(/answered 503: busy/);
    expect(h.delays).toEqual([1000, 2000]);
    // The same payload builder as the Slack channel.
    const sent = JSON.parse(server.requests[2]!.body);
    expect(sent.blocks[1].text.text).toBe('Node Hall is offline');
  });

  it('fails the run under the stop strategy and continues on the error port under skip', async () => {
    handler = (_req, res) => res.writeHead(404).end();
    const stopped = await runChain(h, 'stop', [
      { key: 'post', type: 'webhook_out', config: { format: 'teams', url: url('/gone'), message: 'x' } },
    ]);
    expect(stopped.run.status).toBe('failed');
    expect(stopped.run.error).toMatchObject({ stepKey: 'post', code: 'delivery_failed' });

    const flowId = await h.createFlow(
      'skip',
      [
        { key: 'start', type: 'manual', config: {} },
        {
          key: 'post',
          type: 'webhook_out',
          onError: 'skip',
          config: { url: url('/gone'), message: 'x' },
        } as never,
        { key: 'after_ok', type: 'log', config: { message: 'ok' } },
        { key: 'after_error', type: 'log', config: { message: 'handled' } },
      ],
      [
        ['start', 'post'],
        ['post', 'after_ok', 'main'],
        ['post', 'after_error', 'error'],
      ],
    );
    const skipped = await h.engine.settled((await h.engine.trigger({ flowId })).id);
    expect(skipped.status).toBe('completed');
    expect(skipped.completedSteps).toContain('after_error');
    expect(skipped.skippedSteps).toEqual(['after_ok']);
    const rows = await timeline(h, skipped.id);
    expect(rows.find((row) => row.key === 'post')).toMatchObject({ status: 'failed', ports: ['error'] });
  });

  it('under skip with nothing wired to the error port, the run carries on along main', async () => {
    handler = (_req, res) => res.writeHead(500).end();
    const flowId = await h.createFlow(
      'skip without error edge',
      [
        { key: 'start', type: 'manual', config: {} },
        {
          key: 'post',
          type: 'webhook_out',
          onError: 'skip',
          config: { url: url('/broken'), message: 'x' },
        } as never,
        { key: 'after_ok', type: 'log', config: { message: 'carried on' } },
      ],
      [
        ['start', 'post'],
        ['post', 'after_ok', 'main'],
      ],
    );
    const run = await h.engine.settled((await h.engine.trigger({ flowId })).id);
    expect(run.status).toBe('completed');
    expect(run.completedSteps).toEqual(['start', 'after_ok']);
    expect(run.skippedSteps).toEqual([]);
    const rows = await timeline(h, run.id);
    expect(rows.find((row) => row.key === 'post')).toMatchObject({ status: 'failed', ports: ['main'] });
  });

  it('sends a custom JSON body with templates for the json format', async () => {
    const { run } = await runChain(
      h,
      'custom',
      [
        {
          key: 'post',
          type: 'webhook_out',
          config: {
            url: url('/j'),
            body: { event: 'threshold', node: '{node_name}', value: '{{ trigger.value }}' },
          },
        },
      ],
      { node: { id: 'n1', name: 'Hall' }, value: 7 },
    );
    expect(run.status).toBe('completed');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ event: 'threshold', node: 'Hall', value: 7 });
  });
});

describe('http', () => {
  it('outputs status, headers and parsed JSON that a response step can test', async () => {
    handler = (req, res, body) =>
      res
        .writeHead(201, { 'content-type': 'application/json', 'x-echo': req.method ?? '' })
        .end(JSON.stringify({ ok: true, got: JSON.parse(body) }));
    const { run } = await runChain(
      h,
      'http',
      [
        {
          key: 'call',
          type: 'http',
          config: {
            method: 'POST',
            url: url('/api'),
            headers: { 'x-key': 'k' },
            body: { value: '{{ trigger.value }}' },
          },
        },
        {
          key: 'check',
          type: 'response',
          config: { step: 'call', path: 'body.got.value', test: '==', value: 21 },
        },
        { key: 'yes', type: 'log', config: { message: 'status {{ steps.call.output.status }}' } },
      ],
      { value: 21 },
      { check: 'true' },
    );
    expect(run.status).toBe('completed');
    expect(outputOf(run, 'call')).toMatchObject({
      status: 201,
      ok: true,
      headers: { 'x-echo': 'POST' },
      body: { ok: true, got: { value: 21 } },
    });
    expect(outputOf(run, 'check').result).toBe(true);
    expect(outputOf(run, 'yes').message).toBe('status 201');
    expect(server.requests[0]!.headers['x-key']).toBe('k');
  });

  it('treats non-2xx as output unless failOnError, and gives text bodies as text', async () => {
    handler = (_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('broken');
    const soft = await runChain(h, 'soft', [
      { key: 'call', type: 'http', config: { url: url('/x') } },
      { key: 'check', type: 'response', config: { step: 'call', path: 'ok', test: '==', value: false } },
    ]);
    expect(soft.run.status).toBe('completed');
    expect(outputOf(soft.run, 'call')).toMatchObject({ status: 500, ok: false, body: 'broken' });
    expect(outputOf(soft.run, 'check').result).toBe(true);
    const hard = await runChain(h, 'hard', [
      { key: 'call', type: 'http', config: { url: url('/x'), failOnError: true } },
    ]);
    expect(hard.run.status).toBe('failed');
    expect(hard.run.error).toMatchObject({
      code: 'http_status',
      message: expect.stringContaining('answered 500'),
    });
  });

  it('gives up after its timeout', async () => {
    handler = () => {}; // never answers
    const { run } = await runChain(h, 'slow', [
      { key: 'call', type: 'http', config: { url: url('/x'), timeoutSeconds: 0.2 } },
    ]);
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('timeout');
  });

  it('sends nothing in a dry run', async () => {
    const result = await h.engine.testStep({ type: 'http', config: { method: 'DELETE', url: url('/x') } });
    expect(result).toMatchObject({
      success: true,
      output: { dryRun: true, wouldSend: { method: 'DELETE' } },
    });
    expect(server.requests).toHaveLength(0);
  });
});

describe('for_each_node', () => {
  it('runs the action per matching node, rendering node variables per node', async () => {
    for (const name of ['a', 'b', 'c']) await h.addNode({ name, tags: ['pi', 'hall'] });
    await h.addNode({ name: 'other', tags: ['pc'] });
    await h.addNode({ name: 'asleep', tags: ['pi'], status: 'offline' });
    const { run } = await runChain(h, 'each', [
      {
        key: 'each',
        type: 'for_each_node',
        config: {
          selector: { tags: ['pi'], status: 'online' },
          action: {
            type: 'webhook_out',
            config: { url: url('/n/{node_name}'), message: '{{ node.name }} ({node_id}) tags {node_tags}' },
          },
        },
      },
    ]);
    expect(run.status).toBe('completed');
    const out = outputOf(run, 'each');
    expect(out).toMatchObject({ total: 3, succeeded: 3, failed: 0 });
    expect(out.results.map((r: any) => r.nodeName)).toEqual(['a', 'b', 'c']);
    expect(server.requests.map((r) => r.url).sort()).toEqual(['/n/a', '/n/b', '/n/c']);
    const first = JSON.parse(server.requests.find((r) => r.url === '/n/a')!.body);
    expect(first.message).toBe(`a (${out.results[0].nodeId}) tags pi, hall`);
    expect(first.nodeId).toBe(out.results[0].nodeId);
  });

  it('keeps at most `concurrency` nodes in flight', async () => {
    await h.close();
    const counter = { inFlight: 0, max: 0, waiting: [] as Array<() => void> };
    // Every started run is released on the next turn of the event loop, so all runs the step starts
    // together are in flight together: ignoring the limit would show 5, serialising would show 1.
    const counting = defineStepType({
      type: 'test_count',
      category: 'action',
      title: 'Count (test)',
      description: 'Counts how many runs are in flight.',
      configSchema: z.object({ name: z.string() }).strict(),
      ports: [{ name: 'main', label: 'Next' }],
      run: async ({ config }) => {
        counter.inFlight++;
        counter.max = Math.max(counter.max, counter.inFlight);
        await new Promise<void>((resolve) => {
          counter.waiting.push(resolve);
          setImmediate(() => counter.waiting.splice(0).forEach((release) => release()));
        });
        counter.inFlight--;
        return { output: { name: config.name } };
      },
    });
    h = await actionHarness('127.0.0.1', [counting as StepTypeDefinition]);
    for (const name of ['a', 'b', 'c', 'd', 'e']) await h.addNode({ name });
    const { run } = await runChain(h, 'limited', [
      {
        key: 'each',
        type: 'for_each_node',
        config: { concurrency: 2, action: { type: 'test_count', config: { name: '{node_name}' } } },
      },
    ]);
    expect(run.status).toBe('completed');
    expect(counter.max).toBe(2);
    expect(outputOf(run, 'each').results.map((r: any) => r.output.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('continue: collects per-node failures; stop: the first failure fails the step', async () => {
    for (const name of ['ok1', 'bad', 'ok2']) await h.addNode({ name, kind: 'hub' });
    handler = (req, res) => res.writeHead(req.url === '/bad' ? 500 : 200).end();
    const action = { type: 'webhook_out', config: { url: url('/{node_name}'), message: 'hi' } };
    const kept = await runChain(h, 'continue', [
      {
        key: 'each',
        type: 'for_each_node',
        config: { selector: { kind: 'hub' }, onNodeError: 'continue', action },
      },
    ]);
    expect(kept.run.status).toBe('completed');
    const out = outputOf(kept.run, 'each');
    expect(out).toMatchObject({ total: 3, succeeded: 2, failed: 1 });
    expect(out.results.find((r: any) => r.nodeName === 'bad')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/answered 500/),
    });

    const stopped = await runChain(h, 'stop', [
      { key: 'each', type: 'for_each_node', config: { selector: { kind: 'hub' }, concurrency: 1, action } },
    ]);
    expect(stopped.run.status).toBe('failed');
    expect(stopped.run.error?.message).toMatch(/^node "bad" \(.+\): .*answered 500/);
    // With one at a time, the node after the failing one is never tried.
    expect(server.requests.filter((r) => r.url === '/ok2')).toHaveLength(1);
  });

  it('rejects an inner type that is not an action, and an invalid inner config per field', async () => {
    await h.addNode({ name: 'x' });
    const wrong = await runChain(h, 'wrong', [
      { key: 'each', type: 'for_each_node', config: { action: { type: 'threshold', config: {} } } },
    ]);
    expect(wrong.run.error?.message).toMatch(/"threshold" is not an action step type/);
    const invalid = await runChain(h, 'invalid', [
      { key: 'each', type: 'for_each_node', config: { action: { type: 'http', config: { url: 42 } } } },
    ]);
    expect(invalid.run.error?.message).toMatch(/action\.config\.url/);
  });
});

describe('action templates', () => {
  it('a step referencing a template with overrides runs the merged config, visible on the timeline', async () => {
    const templates = new ActionTemplateService(h.registry);
    const template = await templates.create(h.em(), {
      name: 'Ops webhook',
      type: 'webhook_out',
      config: { format: 'json', url: url('/template'), message: 'from template', level: 'info' },
    });
    const flowId = await h.createFlow(
      'templated',
      [
        { key: 'start', type: 'manual', config: {} },
        {
          key: 'post',
          type: 'webhook_out',
          actionTemplateId: template.id,
          config: { message: 'override for {node_name}' },
        },
      ],
      [['start', 'post']],
    );
    const run = await h.engine.settled(
      (await h.engine.trigger({ flowId, payload: { node: { id: 'n', name: 'Hall' } } })).id,
    );
    expect(run.status).toBe('completed');
    const sent = JSON.parse(server.requests[0]!.body);
    expect(server.requests[0]!.url).toBe('/template');
    expect(sent).toMatchObject({ message: 'override for Hall', level: 'info' });
    const row = (await timeline(h, run.id)).find((entry) => entry.key === 'post')!;
    expect(row).toMatchObject({
      status: 'completed',
      output: {
        delivered: true,
        format: 'json',
        message: 'override for Hall',
        target: `127.0.0.1:${server.port}`,
      },
    });
  });
});
