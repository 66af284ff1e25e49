// Issue 16: each test fails on the engine as it was before the fix it names.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FlowService } from '../flows/service.js';
import { EngineError } from './errors.js';
import { abortableSleep } from './services.js';
import { attempts, gate, harness, manual, timeline, type EdgeTuple, type Harness } from './test-fixtures.js';

let dir: string;
let file: string;
const open: Harness[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-correct-'));
  file = path.join(dir, 'kinflow.sqlite');
});
afterEach(async () => {
  for (const h of open.splice(0)) await h.close().catch(() => {});
  fs.rmSync(dir, { recursive: true, force: true });
});

async function boot(options: Parameters<typeof harness>[0] = {}) {
  const h = await harness({ file, ...options });
  open.push(h);
  return h;
}

async function shutdown(h: Harness) {
  open.splice(open.indexOf(h), 1);
  await h.close();
}

const log = (key: string, message = key) => ({ key, type: 'log', config: { message } });
const waitMinutes = (key: string, minutes: number) => ({ key, type: 'wait', config: { minutes } });
const minutes = (n: number) => n * 60_000;

async function sql(h: Harness, query: string, params: unknown[] = []) {
  return (await h.orm.em.getConnection().execute(query, params)) as Array<Record<string, unknown>>;
}

describe('1: a wait parks only its own branch', () => {
  it('runs the other branch at once, whichever comes first in the steps array', async () => {
    const h = await boot();
    const flowId = await h.createFlow(
      'escalate later, notify now',
      // The wait is listed before notifyNow: array order must not matter.
      [manual, waitMinutes('pause', 10), log('escalate'), log('notifyNow')],
      [
        ['start', 'pause'],
        ['pause', 'escalate'],
        ['start', 'notifyNow'],
      ],
    );
    const run = await h.engine.trigger({ flowId });
    const waiting = await h.engine.quiescent(run.id);
    expect(waiting.status).toBe('waiting');
    expect(waiting.completedSteps).toEqual(['start', 'notifyNow']);
    expect(waiting.waitingFor).toMatchObject({ stepKey: 'pause' });
  });

  it('parks two parallel waits at once and joins them exactly once, also across a restart', async () => {
    const first = await boot();
    const flowId = await first.createFlow(
      'two waits',
      [manual, waitMinutes('a', 10), waitMinutes('b', 10), log('join')],
      [
        ['start', 'a'],
        ['start', 'b'],
        ['a', 'join'],
        ['b', 'join'],
      ],
    );
    const run = await first.engine.trigger({ flowId });
    const waiting = await first.engine.quiescent(run.id);
    expect(waiting.status).toBe('waiting');
    const parked = (await timeline(first, run.id)).filter((row) => row.status === 'waiting');
    expect(parked.map((row) => row.key).sort()).toEqual(['a', 'b']);
    expect((waiting.waitingFor as { waits: unknown[] }).waits).toHaveLength(2);
    await shutdown(first);

    // Both came due while the server was down, within the grace: not late.
    const later = new Date(Date.now() + minutes(11));
    const second = await boot({ engine: { clock: () => later } });
    await second.engine.start();
    const done = await second.engine.settled(run.id);
    expect(done.status).toBe('completed');
    expect((done.data.trigger as { late?: boolean }).late).toBeUndefined();
    const rows = await timeline(second, run.id);
    expect(rows.filter((row) => row.key === 'join').map((row) => row.status)).toEqual(['completed']);
    expect(rows.filter((row) => row.key === 'a').map((row) => row.status)).toEqual(['completed']);
    expect(rows.filter((row) => row.key === 'b').map((row) => row.status)).toEqual(['completed']);
  });

  it('delivers an event to the wait it names when several steps wait', async () => {
    const h = await boot();
    const flowId = await h.createFlow(
      'two asks',
      [manual, { key: 'ask1', type: 'test_ask', config: {} }, { key: 'ask2', type: 'test_ask', config: {} }],
      [
        ['start', 'ask1'],
        ['start', 'ask2'],
      ],
    );
    const run = await h.engine.trigger({ flowId });
    await h.engine.quiescent(run.id);
    expect(await h.engine.deliverEvent(run.id, { stepKey: 'ask2', action: 'dismiss' })).toBe(true);
    const still = await h.engine.quiescent(run.id);
    expect(still.status).toBe('waiting');
    expect(still.completedSteps).toContain('ask2');
    expect(still.completedSteps).not.toContain('ask1');
    expect(await h.engine.deliverEvent(run.id, { action: 'escalate' })).toBe(true);
    expect((await h.engine.settled(run.id)).status).toBe('completed');
  });
});

describe('2: deleting or disabling a flow stops its runs', () => {
  it('cancels waiting, running and queued runs before the delete; nothing of them runs afterwards', async () => {
    const h = await boot();
    const flows = new FlowService(h.registry);
    flows.stopRunsWith((flowId) => h.engine.stopFlowRuns(flowId));
    const g = gate('delete-me');
    const flowId = await h.createFlow(
      'doomed',
      [
        manual,
        { key: 'work', type: 'test_gate', config: { name: 'delete-me' } },
        { key: 'after', type: 'test_flaky', config: { key: 'after-delete', failTimes: 0 } },
        waitMinutes('pause', 10),
        { key: 'warn', type: 'alert', config: { message: 'still here' } },
      ],
      [
        ['start', 'work'],
        ['work', 'after'],
        ['start', 'pause'],
        ['pause', 'warn'],
      ],
      { runMode: 'queued', maxConcurrentRuns: 5 },
    );
    const running = await h.engine.trigger({ flowId });
    const queued = await h.engine.trigger({ flowId });
    expect(queued.status).toBe('pending');
    await flows.delete(h.em(), flowId);
    g.open();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await h.engine.flush();
    expect(attempts.get('after-delete')).toBeUndefined();
    expect(await sql(h, 'select id from flow_alerts')).toEqual([]);
    // The runs went with the flow; their ends were committed first.
    expect(
      await sql(h, 'select id from flow_executions where id in (?, ?)', [running.id, queued.id]),
    ).toEqual([]);
    await expect(h.engine.trigger({ flowId })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('cancels the runs of a disabled flow and keeps them as cancelled', async () => {
    const h = await boot();
    const flows = new FlowService(h.registry);
    flows.stopRunsWith((flowId) => h.engine.stopFlowRuns(flowId));
    const flowId = await h.createFlow(
      'paused',
      [manual, waitMinutes('pause', 10), log('after')],
      [
        ['start', 'pause'],
        ['pause', 'after'],
      ],
    );
    const run = await h.engine.trigger({ flowId });
    await h.engine.quiescent(run.id);
    await flows.update(h.em(), flowId, { enabled: false });
    const stored = await h.engine.get(run.id);
    expect(stored?.status).toBe('cancelled');
    expect(stored?.error?.code).toBe('cancelled');
  });
});

describe('3: rendered values are checked against the step schema', () => {
  it('writes text where the field is text: objects as JSON, numbers as written, booleans as words', async () => {
    const h = await boot();
    const flowId = await h.createFlow(
      'typed alerts',
      [
        manual,
        { key: 'obj', type: 'alert', config: { message: '{{trigger.payload.room}}' } },
        { key: 'num', type: 'alert', config: { message: '{{trigger.count}}' } },
        { key: 'bool', type: 'alert', config: { message: '{{trigger.ok}}' } },
      ],
      [
        ['start', 'obj'],
        ['obj', 'num'],
        ['num', 'bool'],
      ],
    );
    const run = await h.engine.trigger({
      flowId,
      payload: { room: { name: 'kitchen' }, count: 5, ok: true },
    });
    expect((await h.engine.settled(run.id)).status).toBe('completed');
    const rows = await sql(h, 'select step_key, message from flow_alerts order by step_key');
    expect(rows.map((row) => [row.step_key, row.message])).toEqual([
      ['bool', 'true'],
      ['num', '5'],
      ['obj', '{"name":"kitchen"}'],
    ]);
  });

  it('fails the step with a clear error when the rendered value does not fit, and writes nothing', async () => {
    const h = await boot();
    const flowId = await h.createFlow(
      'too long',
      [manual, { key: 'warn', type: 'alert', config: { message: '{{trigger.payload}}' } }],
      [['start', 'warn']],
    );
    const run = await h.engine.trigger({ flowId, payload: { text: 'x'.repeat(5000) } });
    const done = await h.engine.settled(run.id);
    expect(done.status).toBe('failed');
    expect(done.error?.message).toMatch(/alert config after rendering templates: message/);
    expect(done.error?.code).toBe('invalid_config');
    expect(await sql(h, 'select id from flow_alerts')).toEqual([]);
  });
});

describe('4: what a run reads after a restart equals what it read before', () => {
  it('takes the same branch after a restart although its data passed 1 MB', async () => {
    const first = await boot();
    const flowId = await first.createFlow(
      'big data',
      [
        manual,
        { key: 'copy', type: 'test_big', config: { chars: 600_000 } },
        waitMinutes('pause', 10),
        { key: 'inKitchen', type: 'condition', config: { expression: "trigger.payload.room == 'kitchen'" } },
        log('yes'),
        log('no'),
      ],
      [
        ['start', 'copy'],
        ['copy', 'pause'],
        ['pause', 'inKitchen'],
        ['inKitchen', 'yes', 'true'],
        ['inKitchen', 'no', 'false'],
      ],
    );
    const run = await first.engine.trigger({
      flowId,
      payload: { room: 'kitchen', blob: 'b'.repeat(600_000) },
    });
    expect((await first.engine.quiescent(run.id)).status).toBe('waiting');
    const [row] = await sql(first, 'select length(data) as n from flow_executions where id = ?', [run.id]);
    expect(row!.n as number).toBeGreaterThan(1024 * 1024);
    await shutdown(first);

    const later = new Date(Date.now() + minutes(11));
    const second = await boot({ engine: { clock: () => later } });
    await second.engine.start();
    const done = await second.engine.settled(run.id);
    expect(done.status).toBe('completed');
    expect(done.completedSteps).toContain('yes');
    expect(done.skippedSteps).toContain('no');
  });

  it('refuses a trigger payload above the documented limit with a typed error, recording nothing', async () => {
    const h = await boot();
    const flowId = await h.createFlow('small', [manual, log('x')], [['start', 'x']]);
    const error = await h.engine
      .trigger({ flowId, payload: { blob: 'b'.repeat(1024 * 1024) } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('payload_too_large');
    expect(await sql(h, 'select id from flow_executions')).toEqual([]);
  });
});

describe('5: a retried trigger_flow starts a new child', () => {
  it('runs the child again on retry instead of repeating the first failure', async () => {
    const h = await boot();
    await h.createFlow(
      'flaky child',
      [manual, { key: 'work', type: 'test_flaky', config: { key: 'child-5', failTimes: 1 } }],
      [['start', 'work']],
    );
    const parentId = await h.createFlow(
      'parent',
      [
        manual,
        {
          key: 'call',
          type: 'trigger_flow',
          config: { flowName: 'flaky child', waitForResult: true },
          onError: 'retry',
          retryAttempts: 1,
        },
      ],
      [['start', 'call']],
    );
    const done = await h.engine.settled((await h.engine.trigger({ flowId: parentId })).id);
    expect(done.status).toBe('completed');
    const children = await sql(
      h,
      'select status from flow_executions where parent_execution_id = ? order by created_at',
      [done.id],
    );
    expect(children.map((row) => row.status)).toEqual(['failed', 'completed']);
  });
});

describe('6: the retry budget holds across restarts', () => {
  it('counts attempts made before a crash during the backoff, with unique attempt numbers', async () => {
    const first = await boot({
      // The backoff sleeps until stop() aborts it: the process "dies" during the backoff.
      engine: { stopGraceMs: 10, delay: (_ms, signal) => abortableSleep(60_000, signal) },
    });
    attempts.delete('budget-6');
    const flowId = await first.createFlow(
      'budget',
      [
        manual,
        {
          key: 'call',
          type: 'test_flaky',
          config: { key: 'budget-6', failTimes: 99 },
          onError: 'retry',
          retryAttempts: 2,
        },
      ],
      [['start', 'call']],
    );
    const run = await first.engine.trigger({ flowId });
    for (let i = 0; i < 200 && !attempts.get('budget-6'); i++) await new Promise((r) => setTimeout(r, 5));
    await first.engine.flush();
    await shutdown(first);

    const second = await boot();
    await second.engine.start();
    const done = await second.engine.settled(run.id);
    expect(done.status).toBe('failed');
    expect(attempts.get('budget-6')).toBe(3);
    const rows = (await timeline(second, run.id)).filter((row) => row.key === 'call');
    expect(rows.map((row) => row.attempt)).toEqual([1, 2, 3]);
  });

  it('numbers the attempt after an interrupted one on from it', async () => {
    gate('interrupt-6');
    const first = await boot({ engine: { stopGraceMs: 10 } });
    const flowId = await first.createFlow(
      'interrupted',
      [manual, { key: 'work', type: 'test_gate', config: { name: 'interrupt-6' } }],
      [['start', 'work']],
    );
    const run = await first.engine.trigger({ flowId });
    for (let i = 0; i < 200 && first.events.every((e) => e.stepKey !== 'work'); i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await first.engine.flush();
    await shutdown(first);
    gate('interrupt-6').open();
    const second = await boot();
    await second.engine.start();
    expect((await second.engine.settled(run.id)).status).toBe('completed');
    const rows = (await timeline(second, run.id)).filter((row) => row.key === 'work');
    expect(rows.map((row) => [row.attempt, row.status])).toEqual([
      [1, 'failed'],
      [2, 'completed'],
    ]);
  });
});

describe('7: cool-off is checked again when a queued run starts', () => {
  it('refuses queued runs once the first one consumed the cool-off', async () => {
    const h = await boot();
    const g = gate('cooloff-7');
    const flowId = await h.createFlow(
      'emergency',
      [
        manual,
        { key: 'hold', type: 'test_gate', config: { name: 'cooloff-7' } },
        { key: 'warn', type: 'alert', config: { level: 'emergency', message: 'help' } },
      ],
      [
        ['start', 'hold'],
        ['hold', 'warn'],
      ],
      { runMode: 'queued', maxConcurrentRuns: 5, cooloffMinutes: 10 },
    );
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await h.engine.trigger({ flowId }));
    g.open();
    const done = await Promise.all(runs.map((run) => h.engine.settled(run.id)));
    expect(done.map((run) => run.status)).toEqual(['completed', 'cancelled', 'cancelled', 'cancelled']);
    expect(done.slice(1).map((run) => run.error?.code)).toEqual(['cooloff', 'cooloff', 'cooloff']);
    expect(await sql(h, 'select id from flow_alerts')).toHaveLength(1);
  });
});

describe('8: late means it came due while the server was down', () => {
  it('does not mark a wait until a time already past as late', async () => {
    const h = await boot();
    const past = new Date(Date.now() - minutes(30)).toISOString();
    const flowId = await h.createFlow(
      'past',
      [manual, { key: 'pause', type: 'wait', config: { until: past } }, log('after')],
      [
        ['start', 'pause'],
        ['pause', 'after'],
      ],
    );
    const done = await h.engine.settled((await h.engine.trigger({ flowId })).id);
    expect(done.status).toBe('completed');
    expect((done.data.steps as any).pause.output.late).toBe(false);
    expect((done.data.trigger as { late?: boolean }).late).toBeUndefined();
  });
});

describe('9: a step’s declared duration extends its timeout', () => {
  it('lets a sleep longer than the flow’s default step timeout finish', async () => {
    const h = await boot();
    const flowId = await h.createFlow(
      'long sleep',
      [manual, { key: 'nap', type: 'sleep', config: { seconds: 0.3 } }],
      [['start', 'nap']],
      { defaultStepTimeoutMs: 100 },
    );
    const done = await h.engine.settled((await h.engine.trigger({ flowId })).id);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
  });
});

describe('10: removing a flow variable uncovers the global one', () => {
  it('reads the global value again for the rest of the run', async () => {
    const h = await boot();
    const set = (key: string, config: Record<string, unknown>) => ({ key, type: 'set_variable', config });
    const edges: EdgeTuple[] = [
      ['start', 'global'],
      ['global', 'shadow'],
      ['shadow', 'unshadow'],
      ['unshadow', 'read'],
    ];
    const flowId = await h.createFlow(
      'shadowing',
      [
        manual,
        set('global', { key: 'who', value: 'everyone', scope: 'global' }),
        set('shadow', { key: 'who', value: 'this flow' }),
        set('unshadow', { key: 'who', remove: true }),
        log('read', 'who={{vars.who}}'),
      ],
      edges,
    );
    const done = await h.engine.settled((await h.engine.trigger({ flowId })).id);
    expect((done.data.steps as any).read.output.message).toBe('who=everyone');
  });
});

describe('decisions', () => {
  it('cancelling a parent cancels the child it waits for', async () => {
    const h = await boot();
    await h.createFlow('slow child', [manual, waitMinutes('pause', 10)], [['start', 'pause']]);
    const parentId = await h.createFlow(
      'parent',
      [
        manual,
        { key: 'call', type: 'trigger_flow', config: { flowName: 'slow child', waitForResult: true } },
      ],
      [['start', 'call']],
    );
    const parent = await h.engine.trigger({ flowId: parentId });
    await h.engine.quiescent(parent.id);
    const [child] = await sql(h, 'select id from flow_executions where parent_execution_id = ?', [parent.id]);
    expect(child).toBeDefined();
    await h.engine.quiescent(child!.id as string);
    expect((await h.engine.cancel(parent.id)).status).toBe('cancelled');
    const ended = await h.engine.settled(child!.id as string);
    expect(ended.status).toBe('cancelled');
  });

  it('set_variable with a missing template path fails the step and stores nothing', async () => {
    const h = await boot();
    const flowId = await h.createFlow(
      'missing path',
      [manual, { key: 'remember', type: 'set_variable', config: { key: 'room', value: '{{trigger.nope}}' } }],
      [['start', 'remember']],
    );
    const done = await h.engine.settled((await h.engine.trigger({ flowId })).id);
    expect(done.status).toBe('failed');
    expect(done.error?.message).toMatch(/\{\{trigger\.nope\}\} did not resolve/);
    expect(await sql(h, 'select key from flow_variables where key = ?', ['room'])).toEqual([]);
  });
});
