import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gate, harness, manual, timeline, type Harness } from './test-fixtures.js';

let dir: string;
let file: string;
const open: Harness[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-engine-'));
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

const after = { key: 'after', type: 'log', config: { message: 'late={{trigger.late}}' } };

async function waitingRun(h: Harness, minutes: number) {
  const flowId = await h.createFlow(
    'durable',
    [manual, { key: 'pause', type: 'wait', config: { minutes } }, after],
    [
      ['start', 'pause'],
      ['pause', 'after'],
    ],
  );
  const run = await h.engine.trigger({ flowId });
  expect((await h.engine.quiescent(run.id)).status).toBe('waiting');
  return run.id;
}

const minutes = (n: number) => n * 60_000;

describe('restart durability (same SQLite file, new engine)', () => {
  it('resumes an overdue wait after a restart with trigger.late = true, exactly once', async () => {
    const first = await boot();
    const id = await waitingRun(first, 10);
    await shutdown(first);

    const later = new Date(Date.now() + minutes(20));
    const second = await boot({ engine: { clock: () => later, lateGraceMs: minutes(5) } });
    await second.engine.start();
    const done = await second.engine.settled(id);
    expect(done.status).toBe('completed');
    expect((done.data.trigger as any).late).toBe(true);
    expect((done.data.steps as any).pause.output.late).toBe(true);
    expect((done.data.steps as any).after.output.message).toBe('late=true');
    const rows = await timeline(second, id);
    expect(rows.filter((row) => row.key === 'after')).toHaveLength(1);
    expect(rows.filter((row) => row.key === 'pause').map((row) => row.status)).toEqual(['completed']);
  });

  it('resumes a wait that came due within the grace period without the late flag', async () => {
    const first = await boot();
    const id = await waitingRun(first, 10);
    await shutdown(first);
    const later = new Date(Date.now() + minutes(12));
    const second = await boot({ engine: { clock: () => later, lateGraceMs: minutes(5) } });
    await second.engine.start();
    const done = await second.engine.settled(id);
    expect(done.status).toBe('completed');
    expect((done.data.trigger as any).late).toBeUndefined();
  });

  it('re-arms a wait that is not due yet', async () => {
    const first = await boot();
    // Long enough that the wait is certainly not due yet when the second engine has started.
    const id = await waitingRun(first, 0.02);
    await shutdown(first);
    const second = await boot();
    await second.engine.start();
    expect((await second.engine.get(id))?.status).toBe('waiting');
    expect((await second.engine.settled(id)).status).toBe('completed');
  });

  it('lets only one of two engines on the same file resume a wait', async () => {
    const first = await boot();
    const id = await waitingRun(first, 10);
    await shutdown(first);
    const later = new Date(Date.now() + minutes(11));
    const a = await boot({ engine: { clock: () => later } });
    const b = await boot({ engine: { clock: () => later } });
    await Promise.all([a.engine.start(), b.engine.start()]);
    await waitFor(async () => (await a.engine.get(id))?.status === 'completed');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const rows = await timeline(a, id);
    expect(rows.filter((row) => row.key === 'after')).toHaveLength(1);
  });

  it('continues a run that was running when the engine stopped, from its last step boundary', async () => {
    gate('restart');
    const first = await boot({ engine: { stopGraceMs: 10 } });
    const flowId = await first.createFlow(
      'interrupted',
      [
        manual,
        { key: 'one', type: 'log', config: { message: 'one' } },
        { key: 'work', type: 'test_gate', config: { name: 'restart' } },
        after,
      ],
      [
        ['start', 'one'],
        ['one', 'work'],
        ['work', 'after'],
      ],
    );
    const run = await first.engine.trigger({ flowId });
    await waitFor(() => first.events.some((event) => event.stepKey === 'work' && event.status === 'running'));
    await first.engine.flush();
    await shutdown(first);

    gate('restart').open();
    const second = await boot();
    await second.engine.start();
    const done = await second.engine.settled(run.id);
    expect(done.status).toBe('completed');
    expect(done.completedSteps).toEqual(['start', 'one', 'work', 'after']);
    const rows = await timeline(second, run.id);
    expect(rows.filter((row) => row.key === 'one')).toHaveLength(1);
    expect(rows.filter((row) => row.key === 'work').map((row) => row.status)).toEqual([
      'failed',
      'completed',
    ]);
    expect(rows.find((row) => row.key === 'work')?.error).toMatch(/interrupted/);
  });

  it('continues a resume whose claim was saved just before a crash, with the delivered event', async () => {
    const first = await boot();
    const flowId = await first.createFlow(
      'asked',
      [manual, { key: 'ask', type: 'test_ask', config: { timeoutMs: 600_000 } }, after],
      [
        ['start', 'ask'],
        ['ask', 'after', 'escalate'],
      ],
    );
    const run = await first.engine.trigger({ flowId });
    await first.engine.quiescent(run.id);
    await shutdown(first);
    // What the claim of deliverEvent(run, { action: 'escalate' }) writes, and nothing after it: a crash.
    const crashed = await boot();
    await crashed.orm.em.getConnection().execute(
      `update flow_executions set status = 'running',
        waiting_for = json_set(waiting_for, '$.resume', json(?)) where id = ?`,
      [JSON.stringify({ reason: 'event', event: { action: 'escalate' } }), run.id],
    );
    await shutdown(crashed);

    const second = await boot();
    await second.engine.start();
    const done = await second.engine.settled(run.id);
    expect(done.status).toBe('completed');
    expect(done.completedSteps).toEqual(['start', 'ask', 'after']);
    expect((done.data.interactive_response as any).action).toBe('escalate');
    expect((await timeline(second, run.id)).filter((row) => row.key === 'ask')).toHaveLength(1);
  });

  it('starts queued runs that were still pending when the engine stopped', async () => {
    gate('queue');
    const first = await boot({ engine: { stopGraceMs: 10 } });
    const flowId = await first.createFlow(
      'queued',
      [manual, { key: 'work', type: 'test_gate', config: { name: 'queue' } }],
      [['start', 'work']],
      { runMode: 'queued' },
    );
    const a = await first.engine.trigger({ flowId });
    const b = await first.engine.trigger({ flowId });
    expect(b.status).toBe('pending');
    await shutdown(first);
    gate('queue').open();
    const second = await boot();
    await second.engine.start();
    expect((await second.engine.settled(a.id)).status).toBe('completed');
    expect((await second.engine.settled(b.id)).status).toBe('completed');
  });
});

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
