import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harness, manual, timeline, type Harness } from './test-fixtures.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

const log = (key: string, message = key) => ({ key, type: 'log', config: { message } });

describe('graph walk', () => {
  it('runs a linear flow, recording the run before its first step and every step on the timeline', async () => {
    const flowId = await h.createFlow(
      'linear',
      [manual, log('first', 'hello {{trigger.who}}'), log('second', 'after {{steps.first.output.message}}')],
      [
        ['start', 'first'],
        ['first', 'second'],
      ],
    );
    const started = await h.engine.trigger({ flowId, payload: { who: 'grandma' } });
    expect(['pending', 'running']).toContain(started.status);
    const done = await h.engine.settled(started.id);
    expect(done.status).toBe('completed');
    expect(done.completedSteps).toEqual(['start', 'first', 'second']);
    expect(done.skippedSteps).toEqual([]);
    expect(done.triggerType).toBe('manual');
    expect(done.durationMs).toBeGreaterThanOrEqual(0);
    expect((done.data.steps as any).second.output.message).toBe('after hello grandma');
    // The payload is both trigger.* and a flat key (004's trigger context).
    expect((done.data.trigger as any).who).toBe('grandma');
    expect(done.data.who).toBe('grandma');
    const rows = await timeline(h, started.id);
    expect(rows.map((row) => [row.key, row.status, row.ports])).toEqual([
      ['start', 'completed', ['main']],
      ['first', 'completed', ['main']],
      ['second', 'completed', ['main']],
    ]);
    const stored = await h.engine.get(started.id);
    expect(stored?.status).toBe('completed');
    expect(
      (await h.orm.em.getConnection().execute('select snapshot from flow_executions'))[0]!.snapshot,
    ).toContain('"flowName":"linear"');
  });

  // 003's example: root steps continue after the branch.
  const branching = async () =>
    h.createFlow(
      'branching',
      [
        manual,
        log('query_users'),
        { key: 'check_has_users', type: 'condition', config: { expression: 'trigger.count > 0' } },
        log('process_users'),
        log('send_report'),
        log('log_empty'),
        log('cleanup'),
      ],
      [
        ['start', 'query_users'],
        ['query_users', 'check_has_users'],
        ['check_has_users', 'process_users', 'true'],
        ['check_has_users', 'send_report', 'true'],
        ['check_has_users', 'log_empty', 'false'],
        ['process_users', 'cleanup'],
        ['send_report', 'cleanup'],
        ['log_empty', 'cleanup'],
      ],
    );

  it('follows the true branch, skips the false one and re-joins exactly once', async () => {
    const flowId = await branching();
    const run = await h.engine.settled((await h.engine.trigger({ flowId, payload: { count: 3 } })).id);
    expect(run.status).toBe('completed');
    expect(run.completedSteps).toEqual([
      'start',
      'query_users',
      'check_has_users',
      'process_users',
      'send_report',
      'cleanup',
    ]);
    expect(run.skippedSteps).toEqual(['log_empty']);
    const rows = await timeline(h, run.id);
    expect(rows.filter((row) => row.key === 'cleanup')).toHaveLength(1);
    expect(rows.find((row) => row.key === 'check_has_users')?.ports).toEqual(['true']);
    expect(rows.find((row) => row.key === 'log_empty')?.status).toBe('skipped');
  });

  it('follows the false branch and still runs the step after the join', async () => {
    const flowId = await branching();
    const run = await h.engine.settled((await h.engine.trigger({ flowId, payload: { count: 0 } })).id);
    expect(run.completedSteps).toEqual(['start', 'query_users', 'check_has_users', 'log_empty', 'cleanup']);
    expect(run.skippedSteps.sort()).toEqual(['process_users', 'send_report']);
  });

  it('skips a step whose every incoming edge is dead, and everything only it leads to', async () => {
    const flowId = await h.createFlow(
      'dead path',
      [manual, { key: 'never', type: 'condition', config: { expression: 'false' } }, log('a'), log('b')],
      [
        ['start', 'never'],
        ['never', 'a', 'true'],
        ['a', 'b'],
      ],
    );
    const run = await h.engine.settled((await h.engine.trigger({ flowId })).id);
    expect(run.status).toBe('completed');
    expect(run.skippedSteps).toEqual(['a', 'b']);
  });

  it('passes a run through a disabled step on its first port without running it', async () => {
    const flowId = await h.createFlow(
      'disabled',
      [
        manual,
        { key: 'gate', type: 'condition', config: { expression: 'false' }, enabled: false },
        log('after_true'),
        log('after_false'),
      ],
      [
        ['start', 'gate'],
        ['gate', 'after_true', 'true'],
        ['gate', 'after_false', 'false'],
      ],
    );
    const run = await h.engine.settled((await h.engine.trigger({ flowId })).id);
    expect(run.completedSteps).toEqual(['start', 'after_true']);
    expect(run.skippedSteps).toEqual(['gate', 'after_false']);
    const rows = await timeline(h, run.id);
    expect(rows.find((row) => row.key === 'gate')).toMatchObject({ status: 'skipped', ports: ['true'] });
  });

  it('starts at the trigger that fired and skips the other triggers', async () => {
    const flowId = await h.createFlow(
      'two triggers',
      [
        manual,
        { key: 'hook', type: 'webhook', config: {} },
        log('from_manual'),
        log('from_hook'),
        log('both'),
      ],
      [
        ['start', 'from_manual'],
        ['hook', 'from_hook'],
        ['from_manual', 'both'],
        ['from_hook', 'both'],
      ],
    );
    const byHook = await h.engine.settled(
      (await h.engine.trigger({ flowId, triggerStepKey: 'hook', payload: { a: 1 } })).id,
    );
    expect(byHook.triggerType).toBe('webhook');
    expect(byHook.completedSteps).toEqual(['hook', 'from_hook', 'both']);
    expect(byHook.skippedSteps).toEqual(['start', 'from_manual']);
    // Without a step key, the manual trigger is the default.
    const byDefault = await h.engine.settled((await h.engine.trigger({ flowId })).id);
    expect(byDefault.completedSteps).toEqual(['start', 'from_manual', 'both']);
    await expect(h.engine.trigger({ flowId, triggerStepKey: 'from_hook' })).rejects.toMatchObject({
      code: 'invalid_trigger',
    });
  });

  it('ends a run early when a step says not to continue, and refuses disabled or unknown flows', async () => {
    const flowId = await h.createFlow('off', [manual], [], { enabled: false });
    await expect(h.engine.trigger({ flowId })).rejects.toMatchObject({ code: 'flow_disabled' });
    await expect(h.engine.trigger({ flowName: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('publishes every status change with a per-run sequence without gaps, after it is committed', async () => {
    const flowId = await h.createFlow('events', [manual, log('a')], [['start', 'a']]);
    const seen: Array<{ seq: number; status: string; stored: string | undefined }> = [];
    const unsubscribe = h.engine.events.subscribe((event) => {
      if (event.kind === 'execution') seen.push({ seq: event.seq, status: event.status, stored: undefined });
    });
    const run = await h.engine.settled((await h.engine.trigger({ flowId })).id);
    unsubscribe();
    const mine = h.events.filter((event) => event.executionId === run.id);
    expect(mine.map((event) => event.seq)).toEqual(mine.map((_, i) => i + 1));
    expect(mine.map((event) => `${event.kind}:${event.stepKey ?? ''}:${event.status}`)).toEqual([
      'execution::pending',
      'execution::running',
      'step:start:running',
      'step:start:completed',
      'step:a:running',
      'step:a:completed',
      'execution::completed',
    ]);
    expect(mine.every((event) => event.flowName === 'events' && event.at instanceof Date)).toBe(true);
    expect(run.eventSeq).toBe(mine.length);
    expect(seen.map((event) => event.status)).toEqual(['pending', 'running', 'completed']);
  });

  it('skips a dead branch as long as the step limit allows, walked without recursion', async () => {
    const length = 498; // start + gate + 498 = the 500-step limit
    const chain = Array.from({ length }, (_, i) => log(`dead${i}`));
    const flowId = await h.createFlow(
      'long dead branch',
      [manual, { key: 'gate', type: 'condition', config: { expression: 'trigger.count > 0' } }, ...chain],
      [
        ['start', 'gate'],
        ['gate', 'dead0', 'true'],
        ...chain.slice(1).map((step, i): [string, string] => [`dead${i}`, step.key]),
      ],
    );
    const run = await h.engine.settled((await h.engine.trigger({ flowId, payload: { count: 0 } })).id);
    expect(run.status).toBe('completed');
    expect(run.completedSteps).toEqual(['start', 'gate']);
    expect(run.skippedSteps).toHaveLength(length);
    expect(run.skippedSteps.at(-1)).toBe(`dead${length - 1}`);
  });
});
