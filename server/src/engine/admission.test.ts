import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gate, harness, manual, type Harness } from './test-fixtures.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

describe('cool-off', () => {
  async function alertFlow(cooloffMinutes: number) {
    return h.createFlow(
      'door alert',
      [
        manual,
        { key: 'open', type: 'condition', config: { expression: 'trigger.open == true' } },
        { key: 'raise', type: 'alert', config: { level: 'warning', message: 'door open' } },
      ],
      [
        ['start', 'open'],
        ['open', 'raise', 'true'],
      ],
      { cooloffMinutes },
    );
  }

  it('records a run triggered during the cool-off as cancelled with the reason, and runs nothing', async () => {
    const flowId = await alertFlow(10);
    const first = await h.engine.settled((await h.engine.trigger({ flowId, payload: { open: true } })).id);
    expect(first.cooloffConsumed).toBe(true);
    const second = await h.engine.settled((await h.engine.trigger({ flowId, payload: { open: true } })).id);
    expect(second.status).toBe('cancelled');
    expect(second.error?.code).toBe('cooloff');
    expect(second.error?.message).toMatch(/^flow "door alert" is cooling off until \d{4}-/);
    expect(second.completedSteps).toEqual([]);
    // A rerun is a deliberate act and ignores the cool-off.
    expect((await h.engine.settled((await h.engine.rerun(first.id)).id)).status).toBe('completed');
  });

  it('does not start a cool-off for a run that did nothing a person would notice', async () => {
    const flowId = await alertFlow(10);
    const quiet = await h.engine.settled((await h.engine.trigger({ flowId, payload: { open: false } })).id);
    expect(quiet.cooloffConsumed).toBe(false);
    const next = await h.engine.settled((await h.engine.trigger({ flowId, payload: { open: true } })).id);
    expect(next.status).toBe('completed');
    expect(next.cooloffConsumed).toBe(true);
  });

  it('ends when the cool-off minutes have passed', async () => {
    let now = Date.now();
    const engine = h.newEngine({ clock: () => new Date(now) });
    const flowId = await alertFlow(5);
    await engine.settled((await engine.trigger({ flowId, payload: { open: true } })).id);
    now += 4 * 60_000;
    expect(
      (await engine.settled((await engine.trigger({ flowId, payload: { open: true } })).id)).status,
    ).toBe('cancelled');
    now += 2 * 60_000;
    expect(
      (await engine.settled((await engine.trigger({ flowId, payload: { open: true } })).id)).status,
    ).toBe('completed');
    await engine.stop();
  });
});

describe('run modes', () => {
  async function gatedFlow(runMode: 'single' | 'queued' | 'parallel', maxConcurrentRuns = 10) {
    return h.createFlow(
      'gated',
      [manual, { key: 'work', type: 'test_gate', config: { name: runMode } }],
      [['start', 'work']],
      {
        runMode,
        maxConcurrentRuns,
      },
    );
  }

  it('single: refuses a run while one is active', async () => {
    const g = gate('single');
    const flowId = await gatedFlow('single');
    const first = await h.engine.trigger({ flowId });
    const second = await h.engine.trigger({ flowId });
    expect(second.status).toBe('cancelled');
    expect(second.error?.code).toBe('already_running');
    g.open();
    expect((await h.engine.settled(first.id)).status).toBe('completed');
    expect((await h.engine.settled((await h.engine.trigger({ flowId })).id)).status).toBe('completed');
  });

  it('queued: runs one at a time in order, up to maxConcurrentRuns waiting', async () => {
    const g = gate('queued');
    const flowId = await gatedFlow('queued', 2);
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await h.engine.trigger({ flowId }));
    expect(runs.map((run) => run.status)).toEqual(['running', 'pending', 'pending', 'cancelled']);
    expect(runs[3]!.error?.code).toBe('queue_full');
    g.open();
    const done = await Promise.all(runs.slice(0, 3).map((run) => h.engine.settled(run.id)));
    expect(done.map((run) => run.status)).toEqual(['completed', 'completed', 'completed']);
    // In order: each started after the previous finished.
    expect(done[1]!.startedAt!.getTime()).toBeGreaterThanOrEqual(done[0]!.finishedAt!.getTime());
    expect(done[2]!.startedAt!.getTime()).toBeGreaterThanOrEqual(done[1]!.finishedAt!.getTime());
  });

  it('parallel: caps concurrent runs and queues the rest', async () => {
    const g = gate('parallel');
    const flowId = await gatedFlow('parallel', 2);
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await h.engine.trigger({ flowId }));
    expect(runs.map((run) => run.status)).toEqual(['running', 'running', 'pending']);
    g.open();
    for (const run of runs) expect((await h.engine.settled(run.id)).status).toBe('completed');
  });

  it('cancels a queued run before it starts', async () => {
    const g = gate('queued');
    const flowId = await gatedFlow('queued', 5);
    const first = await h.engine.trigger({ flowId });
    const second = await h.engine.trigger({ flowId });
    const cancelled = await h.engine.cancel(second.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.startedAt).toBeNull();
    g.open();
    expect((await h.engine.settled(first.id)).status).toBe('completed');
  });
});
