import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outputOf, runChain } from '../actions/test-support.js';
import { checkFlowExpressions } from '../engine/validation.js';
import { harness, manual, timeline, type Harness } from '../engine/test-fixtures.js';
import { FlowService } from '../flows/service.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

const script = (key: string, code: string, extra: Record<string, unknown> = {}) => ({
  key,
  type: 'script',
  config: { code, ...extra },
});

describe('script step', () => {
  it('transforms the pipeline data; a condition and templates read its result', async () => {
    const steps = [
      { key: 'remember', type: 'set_variable', config: { key: 'limit', value: 30 } },
      script(
        'summary',
        `const values = payload.readings.map((r) => r.value);
         console.log('got', values.length, 'readings');
         // braces and {value} are JavaScript here, not templates
         const value = Math.max(...values);
         return { value, hot: value > vars.limit, from: trigger.type, previous: last.variable.key, zone: typeof system.timezone };`,
      ),
      { key: 'check', type: 'condition', config: { expression: 'steps.summary.output.result.hot' } },
      { key: 'say', type: 'log', config: { message: 'max {{steps.summary.output.result.value}}' } },
    ];
    const { run } = await runChain(
      h,
      'script flow',
      steps,
      { readings: [{ value: 28 }, { value: 33 }] },
      { check: 'true' },
    );
    expect(run.status).toBe('completed');
    expect(outputOf(run, 'summary')).toEqual({
      result: { value: 33, hot: true, from: 'manual', previous: 'limit', zone: 'string' },
      logs: [{ level: 'info', message: 'got 2 readings' }],
    });
    expect(outputOf(run, 'check').result).toBe(true);
    expect(outputOf(run, 'say').message).toBe('max 33');
  });

  it('fails the step with the script’s error and line, again on the next run', async () => {
    const steps = [script('boom', 'const a = 1;\nthrow new Error("no sensor " + a)')];
    const { flowId, run } = await runChain(h, 'failing script', steps);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ stepKey: 'boom', code: 'script_error' });
    expect(run.error?.message).toContain('Error: no sensor 1 (line 2)');
    const rows = await timeline(h, run.id);
    expect(rows.find((row) => row.key === 'boom')).toMatchObject({ status: 'failed' });
    const next = await h.engine.settled((await h.engine.trigger({ flowId, payload: {} })).id);
    expect(next.status).toBe('failed');
  });

  it('stops runaway scripts with a clear error and keeps the server working', async () => {
    const cases: Array<[string, string, Record<string, unknown>?]> = [
      ['while (true) {}', 'script_timeout', { timeoutMs: 100 }],
      [
        'const a = []; for (;;) a.push("x".repeat(64) + a.length)',
        'script_memory',
        { memoryMB: 4, timeoutMs: 5000 },
      ],
      ['const f = (n) => f(n + 1) + 1; return f(0)', 'script_stack'],
      ['await new Promise(() => {})', 'script_never_settled'],
      ['return process.env', 'script_error'],
      ['return require("child_process")', 'script_error'],
      ['return Function("return globalThis")().process', 'script_error'],
    ];
    for (const [code, expected, extra] of cases) {
      const { run } = await runChain(h, `runaway ${expected} ${code.length}`, [script('bad', code, extra)]);
      expect(run.status, code).toBe('failed');
      expect(run.error?.code, code).toBe(expected);
    }
    const { run } = await runChain(h, 'after the runaways', [script('fine', 'return payload.n + 1')], {
      n: 41,
    });
    expect(outputOf(run, 'fine').result).toBe(42);
  });

  it('with onError skip, a failing script continues on its error port', async () => {
    const flowId = await h.createFlow(
      'skip script',
      [
        manual,
        { key: 'bad', type: 'script', config: { code: 'null.x' }, onError: 'skip' },
        { key: 'handled', type: 'log', config: { message: 'handled' } },
      ],
      [
        ['start', 'bad'],
        ['bad', 'handled', 'error'],
      ],
    );
    const run = await h.engine.settled((await h.engine.trigger({ flowId, payload: {} })).id);
    expect(run.status).toBe('completed');
    expect(run.completedSteps).toContain('handled');
  });

  it('refuses a syntax error at save time, naming the field and line', async () => {
    const flows = new FlowService(h.registry);
    const issues = await flows.check(h.em(), {
      steps: [
        { key: 'start', type: 'manual', config: {} },
        { key: 'calc', type: 'script', config: { code: 'const x = 1;\nreturn { x: }' } },
      ],
      edges: [{ source: 'start', target: 'calc', sourcePort: 'main' }],
    });
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'invalid_config',
        stepKey: 'calc',
        field: 'config.code',
        message: expect.stringMatching(/^step "calc": config\.code: SyntaxError: .*\(line 2\)$/),
      }),
    ]);
    await expect(
      h.createFlow(
        'broken',
        [manual, { key: 'calc', type: 'script', config: { code: 'return (' } }],
        [['start', 'calc']],
      ),
    ).rejects.toThrow(/config\.code/);
  });

  it('is not checked as a template: braces in code are JavaScript', () => {
    const steps = [
      { key: 'start', type: 'manual', config: {} },
      {
        key: 'calc',
        type: 'script',
        config: { code: 'const o = {{ a: 1 }.a}; return {value: o, x: "{{nope.path}}"}' },
      },
    ];
    expect(checkFlowExpressions(steps, [{ source: 'start', target: 'calc' }], h.registry)).toEqual([]);
  });

  it('runs in testStep with sample data', async () => {
    const result = await h.engine.testStep({
      type: 'script',
      config: { code: 'return { total: payload.items.length + last.count, key: vars.k }' },
      data: { trigger: { payload: { items: [1, 2] } }, last: { count: 3 }, vars: { k: 'v' } },
    });
    expect(result).toMatchObject({
      success: true,
      output: { result: { total: 5, key: 'v' } },
      ports: ['main'],
    });
    const failed = await h.engine.testStep({
      type: 'script',
      config: { code: 'while (1) {}', timeoutMs: 50 },
    });
    expect(failed.success).toBe(false);
    expect(failed.error).toMatch(/50 ms limit/);
  });

  it('is listed with its config schema, ports and version', () => {
    const definition = h.registry.get('script')!;
    expect(definition.run).toBeTypeOf('function');
    expect(definition.ports.map((port) => port.name)).toEqual(['main', 'error']);
    expect(definition.configVersion).toBe(1);
    const schema = h.registry.jsonSchema('script') as {
      properties: Record<string, { description?: string }>;
    };
    for (const field of ['code', 'timeoutMs', 'memoryMB'])
      expect(schema.properties[field]?.description).toBeTruthy();
  });
});
