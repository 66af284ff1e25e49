import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backoffDelay } from './invoke.js';
import { attempts, harness, manual, sleepsDone, timeline, type Harness } from './test-fixtures.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
  attempts.clear();
});
afterEach(async () => {
  await h.close();
});

const after = { key: 'after', type: 'log', config: { message: 'after' } };

async function flowWith(step: Record<string, unknown>) {
  return h.createFlow(
    `flow ${Math.random()}`,
    [manual, step as never, after],
    [
      ['start', 'work'],
      ['work', 'after'],
    ],
  );
}

describe('error strategies', () => {
  it('stop (the default) fails the run with the failing step, the message and the steps completed before it', async () => {
    const flowId = await flowWith({ key: 'work', type: 'test_flaky', config: { key: 'stop', failTimes: 1 } });
    const run = await h.engine.settled((await h.engine.trigger({ flowId })).id);
    expect(run.status).toBe('failed');
    expect(run.error).toEqual({ message: 'attempt 1 failed', stepKey: 'work', code: 'step_failed' });
    expect(run.currentStep).toBe('work');
    expect(run.completedSteps).toEqual(['start']);
    const rows = await timeline(h, run.id);
    expect(rows.map((row) => [row.key, row.status])).toEqual([
      ['start', 'completed'],
      ['work', 'failed'],
    ]);
    expect(rows[1]!.error).toBe('attempt 1 failed');
  });

  it('skip records the step as failed (not skipped) and continues on the main port', async () => {
    const flowId = await flowWith({
      key: 'work',
      type: 'test_flaky',
      config: { key: 'skip', failTimes: 1 },
      onError: 'skip',
    });
    const run = await h.engine.settled((await h.engine.trigger({ flowId })).id);
    expect(run.status).toBe('completed');
    expect(run.completedSteps).toEqual(['start', 'after']);
    expect(run.skippedSteps).toEqual([]);
    const work = (await timeline(h, run.id)).find((row) => row.key === 'work');
    expect(work).toMatchObject({ status: 'failed', error: 'attempt 1 failed', ports: ['main'] });
  });

  it('retry backs off 1 s, 2 s, 4 s between attempts and succeeds', async () => {
    const flowId = await flowWith({
      key: 'work',
      type: 'test_flaky',
      config: { key: 'retry', failTimes: 3 },
      onError: 'retry',
      retryAttempts: 3,
    });
    const run = await h.engine.settled((await h.engine.trigger({ flowId })).id);
    expect(run.status).toBe('completed');
    expect(h.delays).toEqual([1000, 2000, 4000]);
    const work = (await timeline(h, run.id)).filter((row) => row.key === 'work');
    expect(work.map((row) => [row.attempt, row.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'failed'],
      [4, 'completed'],
    ]);
    expect((run.data.steps as any).work.output).toEqual({ attempt: 4 });
  });

  it('retry gives up after retryAttempts retries and fails the run', async () => {
    const flowId = await flowWith({
      key: 'work',
      type: 'test_flaky',
      config: { key: 'exhausted', failTimes: 99 },
      onError: 'retry',
      retryAttempts: 2,
    });
    const run = await h.engine.settled((await h.engine.trigger({ flowId })).id);
    expect(run.status).toBe('failed');
    expect(run.error?.message).toBe('attempt 3 failed');
    expect(attempts.get('exhausted')).toBe(3);
    expect(h.delays).toEqual([1000, 2000]);
  });

  it('caps the backoff at 30 s and honours an injected base delay', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, 1000, 30_000))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
    expect([1, 2, 3].map((n) => backoffDelay(n, 5, 30_000))).toEqual([5, 10, 20]);
  });

  it('uses the configured base delay with the real sleep', async () => {
    const engine = h.newEngine({ retryBaseDelayMs: 5, delay: undefined });
    const flowId = await flowWith({
      key: 'work',
      type: 'test_flaky',
      config: { key: 'real sleep', failTimes: 2 },
      onError: 'retry',
      retryAttempts: 2,
    });
    const run = await engine.settled((await engine.trigger({ flowId })).id);
    expect(run.status).toBe('completed');
    await engine.stop();
  });

  it('fails a step that exceeds its timeout, through the abort signal', async () => {
    const flowId = await flowWith({ key: 'work', type: 'test_slow', config: { ms: 10_000 }, timeoutMs: 30 });
    const run = await h.engine.settled((await h.engine.trigger({ flowId })).id);
    expect(run.status).toBe('failed');
    expect(run.error).toEqual({ message: 'step timed out after 30 ms', stepKey: 'work', code: 'timeout' });
  });

  it('inherits the flow’s default step timeout and does not wait for a step that ignores the signal', async () => {
    const flowId = await h.createFlow(
      'default timeout',
      [manual, { key: 'work', type: 'test_slow', config: { ms: 1999, ignoreAbort: true } }],
      [['start', 'work']],
      { defaultStepTimeoutMs: 25 },
    );
    const run = await h.engine.settled((await h.engine.trigger({ flowId })).id);
    expect(run.error?.code).toBe('timeout');
    // The run ended while the step was still sleeping.
    expect(sleepsDone).not.toContain(1999);
  });

  it('retries a timed-out step like any other failure', async () => {
    const flowId = await flowWith({
      key: 'work',
      type: 'test_slow',
      config: { ms: 10_000 },
      timeoutMs: 10,
      onError: 'retry',
      retryAttempts: 1,
    });
    const run = await h.engine.settled((await h.engine.trigger({ flowId })).id);
    expect(run.status).toBe('failed');
    const work = (await timeline(h, run.id)).filter((row) => row.key === 'work');
    expect(work.map((row) => row.error)).toEqual([
      'step timed out after 10 ms',
      'step timed out after 10 ms',
    ]);
  });

  it('fails on a bad expression with the expression error as the message', async () => {
    const flowId = await h.createFlow(
      'bad expression',
      [manual, { key: 'work', type: 'condition', config: { expression: 'trigger.value > (' } }, after],
      [
        ['start', 'work'],
        ['work', 'after', 'true'],
      ],
    );
    const run = await h.engine.settled((await h.engine.trigger({ flowId })).id);
    expect(run.status).toBe('failed');
    expect(run.error?.stepKey).toBe('work');
  });
});
