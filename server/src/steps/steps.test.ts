import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayNode } from '../db/entities/index.js';
import { outputOf, runChain } from '../actions/test-support.js';
import { harness, manual, timeline, type Harness } from '../engine/test-fixtures.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

/** runChain, except that a step with true/false ports continues on true. */
function runOne(steps: Array<Record<string, unknown>>, payload: Record<string, unknown> = {}, name = 'flow') {
  const ports = Object.fromEntries(
    steps
      .filter((step) => ['response', 'condition', 'threshold'].includes(step.type as string))
      .map((step) => [step.key as string, 'true']),
  );
  return runChain(h, name, steps, payload, ports);
}

describe('step types', () => {
  it('set_variable stores flow and global variables that later steps and later runs read as vars.*', async () => {
    const steps = [
      { key: 'seen', type: 'log', config: { message: 'before={{vars.count}}' } },
      { key: 'set', type: 'set_variable', config: { key: 'count', value: '{{trigger.n}}' } },
      { key: 'global', type: 'set_variable', config: { key: 'mood', value: 'calm', scope: 'global' } },
      { key: 'after', type: 'log', config: { message: 'after={{vars.count}} {{vars.mood}}' } },
    ];
    const { flowId, run } = await runOne(steps, { n: 1 });
    expect(outputOf(run, 'seen').message).toBe('before={{vars.count}}');
    expect(outputOf(run, 'after').message).toBe('after=1 calm');
    const second = await h.engine.settled((await h.engine.trigger({ flowId, payload: { n: 2 } })).id);
    expect(outputOf(second, 'seen').message).toBe('before=1');
    expect(second.data.vars).toEqual({ count: 2, mood: 'calm' });
    const rows = await h.orm.em
      .getConnection()
      .execute(`select scope, key, value from flow_variables order by key`);
    expect(rows).toEqual([
      // SQLite gives the json column numeric affinity: a number comes back as a number.
      { scope: flowId, key: 'count', value: 2 },
      { scope: 'global', key: 'mood', value: '"calm"' },
    ]);
  });

  it('cooldown lets one run pass per period, per flow or per node', async () => {
    const steps = [
      { key: 'limit', type: 'cooldown', config: { minutes: 5, per: 'node' } },
      { key: 'passed', type: 'log', config: { message: 'passed' } },
    ];
    const flowId = await h.createFlow(
      'limited',
      [manual, ...(steps as never[])],
      [
        ['start', 'limit'],
        ['limit', 'passed', 'pass'],
      ],
    );
    const fire = async (nodeId: string) =>
      h.engine.settled((await h.engine.trigger({ flowId, payload: { nodeId } })).id);
    expect((await fire('kitchen')).completedSteps).toContain('passed');
    const blocked = await fire('kitchen');
    expect(blocked.skippedSteps).toContain('passed');
    expect(outputOf(blocked, 'limit').passed).toBe(false);
    expect((await fire('hall')).completedSteps).toContain('passed');
    // The state survives in the flow's variables, hidden from vars.
    const next = await fire('kitchen');
    expect(next.data.vars).toEqual({});
  });

  it('threshold compares a value from the pipeline data and exposes {threshold} to later templates', async () => {
    const steps = [
      { key: 'hot', type: 'threshold', config: { operator: '>', value: 30 } },
      {
        key: 'say',
        type: 'log',
        config: { message: '{node_name} {metric} hit {value} (threshold {threshold})' },
      },
    ];
    const flowId = await h.createFlow(
      'hot',
      [manual, ...(steps as never[])],
      [
        ['start', 'hot'],
        ['hot', 'say', 'true'],
      ],
    );
    const payload = { node: { id: 'n1', name: 'Kitchen sensor' }, metric: 'temperature', value: 31.5 };
    const run = await h.engine.settled((await h.engine.trigger({ flowId, payload })).id);
    expect(outputOf(run, 'hot')).toEqual({ value: 31.5, threshold: 30, operator: '>', result: true });
    expect(outputOf(run, 'say').message).toBe('Kitchen sensor temperature hit 31.5 (threshold 30)');
    const cold = await h.engine.settled(
      (await h.engine.trigger({ flowId, payload: { ...payload, value: 12 } })).id,
    );
    expect(cold.skippedSteps).toEqual(['say']);
    const missing = await h.engine.settled((await h.engine.trigger({ flowId, payload: {} })).id);
    expect(missing.status).toBe('failed');
    expect(missing.error?.message).toMatch(/trigger.value is not a number/);
  });

  it('alert raises a flow_alerts row for the configured or trigger node and consumes the cool-off', async () => {
    const em = h.em();
    const node = em.create(GatewayNode, { name: 'Hall', kind: 'sensor', tags: [], metadata: {} });
    await em.flush();
    const raised: string[] = [];
    h.engine.alertEvents.subscribe((alert) => raised.push(alert.message));
    const { run } = await runOne(
      [{ key: 'raise', type: 'alert', config: { level: 'warning', message: 'Door open at {node_name}' } }],
      { node: { id: node.id, name: 'Hall' } },
    );
    expect(run.cooloffConsumed).toBe(true);
    const rows = (await h.orm.em.getConnection().execute('select * from flow_alerts')) as any[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      level: 'warning',
      message: 'Door open at Hall',
      node_id: node.id,
      execution_id: run.id,
      step_key: 'raise',
    });
    expect(raised).toEqual(['Door open at Hall']);
    // A node that turns out unknown at run time (a saved node id is checked at save) does not fail the
    // run; the alert is just not linked to a node.
    const { run: other } = await runOne(
      [
        {
          key: 'raise',
          type: 'alert',
          config: { level: 'info', message: 'x', nodeId: '{{ trigger.node }}' },
        },
      ],
      { node: 'nope' },
      'unknown node',
    );
    expect(outputOf(other, 'raise').nodeId).toBeNull();
  });

  it('response parses and tests an earlier step’s result', async () => {
    const { run } = await runOne([
      { key: 'reply', type: 'log', config: { message: '{"ok":true,"count":3}' } },
      {
        key: 'parsed',
        type: 'response',
        config: { step: 'reply', path: 'message', parse: 'json', test: 'truthy' },
      },
      {
        key: 'has',
        type: 'response',
        config: { step: 'reply', path: 'message', test: 'contains', value: '"ok"' },
      },
      { key: 'num', type: 'response', config: { step: 'reply', path: 'level', test: '==', value: 'info' } },
    ]);
    expect(outputOf(run, 'parsed')).toEqual({ value: { ok: true, count: 3 }, result: true });
    expect(outputOf(run, 'has').result).toBe(true);
    expect(outputOf(run, 'num').result).toBe(true);
  });

  it('sleep pauses in memory, capped by the engine', async () => {
    await h.engine.stop();
    const engine = h.newEngine({ maxSleepMs: 5 });
    const flowId = await h.createFlow(
      'nap',
      [manual, { key: 'nap', type: 'sleep', config: { seconds: 30 } }],
      [['start', 'nap']],
    );
    const run = await engine.settled((await engine.trigger({ flowId })).id);
    expect(outputOf(run, 'nap')).toEqual({ sleptMs: 5 });
    await engine.stop();
  });

  it('truncates an oversized output on the timeline with a marker, keeping it whole for later steps', async () => {
    const { run } = await runOne([
      { key: 'big', type: 'test_big', config: { chars: 100_000 } },
      { key: 'after', type: 'log', config: { message: 'ok' } },
    ]);
    expect(outputOf(run, 'big').text).toHaveLength(100_000);
    const row = (await timeline(h, run.id)).find((entry) => entry.key === 'big')!;
    expect(row.output).toMatchObject({ _truncated: true, originalChars: 100_011 });
    expect((row.output as any).preview.length).toBeLessThan(10_000);
  });
});

describe('wait until', () => {
  it('resolves HH:MM to the next such local time in the configured zone, or takes a date-time', async () => {
    await h.engine.stop();
    // 10:00 UTC is 12:00 in Berlin (summer time).
    const engine = h.newEngine({ clock: () => new Date('2026-07-01T10:00:00Z') });
    const until = async (value: string) =>
      (await engine.testStep({ type: 'wait', config: { until: value } })) as any;
    expect((await until('13:30')).wait.until.toISOString()).toBe('2026-07-01T11:30:00.000Z');
    expect((await until('09:00')).wait.until.toISOString()).toBe('2026-07-02T07:00:00.000Z');
    expect((await until('2026-08-01T08:00:00Z')).wait.until.toISOString()).toBe('2026-08-01T08:00:00.000Z');
    expect(await until('teatime')).toMatchObject({
      success: false,
      error: '"teatime" is neither HH:MM nor a date-time',
    });
    await engine.stop();
  });
});

describe('testStep', () => {
  it('runs one step with sample data and reports output and ports', async () => {
    const result = await h.engine.testStep({
      type: 'condition',
      config: { expression: 'trigger.value > 30' },
      data: { trigger: { value: 35 } },
    });
    expect(result).toMatchObject({ success: true, output: { result: true }, ports: ['true'] });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('saves nothing: an alert is not raised and a variable is not written', async () => {
    const alert = await h.engine.testStep({
      type: 'alert',
      config: { level: 'info', message: 'hello {{trigger.who}}' },
      data: { trigger: { who: 'Ana' } },
    });
    expect(alert).toMatchObject({ success: true, output: { message: 'hello Ana', alertId: null } });
    const variable = await h.engine.testStep({ type: 'set_variable', config: { key: 'x', value: 1 } });
    expect(variable.success).toBe(true);
    const counts = await h.orm.em
      .getConnection()
      .execute(
        'select (select count(*) from flow_alerts) as alerts, (select count(*) from flow_variables) as vars',
      );
    expect(counts).toEqual([{ alerts: 0, vars: 0 }]);
  });

  it('reports an invalid config, an unknown type, a failing step and a wait', async () => {
    expect(await h.engine.testStep({ type: 'threshold', config: { operator: '>' } })).toMatchObject({
      success: false,
      error: expect.stringContaining('config.value'),
    });
    expect(await h.engine.testStep({ type: 'nope', config: {} })).toMatchObject({
      success: false,
      error: 'unknown step type "nope"',
    });
    expect(await h.engine.testStep({ type: 'threshold', config: { operator: '>', value: 1 } })).toMatchObject(
      {
        success: false,
        error: expect.stringMatching(/not a number/),
      },
    );
    const wait = await h.engine.testStep({ type: 'wait', config: { minutes: 5 } });
    expect(wait).toMatchObject({ success: true, ports: [] });
    expect((wait as any).wait.until).toBeInstanceOf(Date);
  });
});
