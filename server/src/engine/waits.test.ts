import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gate, harness, manual, timeline, type Harness } from './test-fixtures.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

/** 004's conditional alert escalation: ask, branch on the answer, alert a caregiver when escalated. */
async function escalationFlow(timeoutMs = 60_000) {
  return h.createFlow(
    'bathroom check-in',
    [
      manual,
      { key: 'ask', type: 'test_ask', config: { timeoutMs } },
      {
        key: 'escalated',
        type: 'condition',
        config: { expression: 'auto_escalate_triggered == true', triggerCooloff: true },
      },
      {
        key: 'notify',
        type: 'alert',
        config: { level: 'emergency', message: 'Emergency: {{trigger.person}} needs help' },
      },
      { key: 'fine', type: 'log', config: { message: 'all good' } },
    ],
    [
      ['start', 'ask'],
      ['ask', 'escalated', 'answered'],
      ['ask', 'escalated', 'timeout'],
      ['escalated', 'notify', 'true'],
      ['escalated', 'fine', 'false'],
    ],
  );
}

async function alerts() {
  return (await h.orm.em
    .getConnection()
    .execute('select level, message, step_key from flow_alerts')) as Array<{
    level: string;
    message: string;
    step_key: string;
  }>;
}

describe('durable waits and events', () => {
  it('ends calmly when the senior answers "I’m okay": no alert, no cool-off', async () => {
    const flowId = await escalationFlow();
    const run = await h.engine.trigger({ flowId, payload: { person: 'Grandma' } });
    const waiting = await h.engine.quiescent(run.id);
    expect(waiting.status).toBe('waiting');
    expect(waiting.currentStep).toBe('ask');
    expect(waiting.waitingFor).toMatchObject({ kind: 'answer', stepKey: 'ask' });
    expect(waiting.resumeAt!.getTime()).toBeGreaterThan(Date.now());
    expect(await h.engine.deliverEvent(run.id, { action: 'dismiss' })).toBe(true);
    const done = await h.engine.settled(run.id);
    expect(done.status).toBe('completed');
    expect(done.completedSteps).toEqual(['start', 'ask', 'escalated', 'fine']);
    expect(done.cooloffConsumed).toBe(false);
    expect(await alerts()).toEqual([]);
    // The wait and its answer are one attempt on the timeline.
    const ask = (await timeline(h, run.id)).filter((row) => row.key === 'ask');
    expect(ask).toHaveLength(1);
    expect(ask[0]).toMatchObject({ status: 'completed', ports: ['dismiss', 'answered'] });
  });

  it('alerts the caregiver and consumes the cool-off when the senior asks for help', async () => {
    const flowId = await escalationFlow();
    const run = await h.engine.trigger({ flowId, payload: { person: 'Grandma' } });
    await h.engine.quiescent(run.id);
    expect(await h.engine.deliverEvent(run.id, { action: 'escalate' })).toBe(true);
    // Exactly once: a second answer finds nothing to wake.
    expect(await h.engine.deliverEvent(run.id, { action: 'dismiss' })).toBe(false);
    const done = await h.engine.settled(run.id);
    expect(done.completedSteps).toEqual(['start', 'ask', 'escalated', 'notify']);
    expect(done.cooloffConsumed).toBe(true);
    expect(await alerts()).toEqual([
      { level: 'emergency', message: 'Emergency: Grandma needs help', step_key: 'notify' },
    ]);
  });

  it('escalates when nobody answers before the timeout', async () => {
    const flowId = await escalationFlow(30);
    const run = await h.engine.trigger({ flowId, payload: { person: 'Grandma' } });
    const done = await h.engine.settled(run.id);
    expect(done.status).toBe('completed');
    expect((done.data.interactive_response as any).channel).toBe('timeout');
    expect(done.completedSteps).toContain('notify');
    expect(await h.engine.deliverEvent(run.id, { action: 'dismiss' })).toBe(false);
  });

  it('accepts an answer that arrives before the wait is even saved', async () => {
    const flowId = await escalationFlow();
    const run = await h.engine.trigger({ flowId, payload: { person: 'Grandma' } });
    // No quiescent(): the step may still be running; the event is handed over once the wait is durable.
    const delivered = h.engine.deliverEvent(run.id, { action: 'dismiss' });
    expect(await delivered).toBe(true);
    expect((await h.engine.settled(run.id)).completedSteps).toContain('fine');
  });

  it('resumes a durable wait exactly once when the timer and an event race', async () => {
    const flowId = await escalationFlow(1);
    const run = await h.engine.trigger({ flowId });
    await h.engine.quiescent(run.id);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const byEvent = await h.engine.deliverEvent(run.id, { action: 'dismiss' });
    const done = await h.engine.settled(run.id);
    const rows = await timeline(h, run.id);
    expect(rows.filter((row) => row.key === 'escalated')).toHaveLength(1);
    expect(done.completedSteps.filter((key) => key === 'escalated')).toHaveLength(1);
    // Whichever won, the other lost: answered-by-event ends on "fine", timeout on "notify".
    expect(done.completedSteps).toContain(byEvent ? 'fine' : 'notify');
  });

  it('runs a wait step for a duration and records it as one completed attempt', async () => {
    const flowId = await h.createFlow(
      'pause',
      [
        manual,
        { key: 'pause', type: 'wait', config: { seconds: 0.02 } },
        { key: 'after', type: 'log', config: { message: 'late={{trigger.late}}' } },
      ],
      [
        ['start', 'pause'],
        ['pause', 'after'],
      ],
    );
    const run = await h.engine.trigger({ flowId });
    const done = await h.engine.settled(run.id);
    expect(done.status).toBe('completed');
    expect((done.data.steps as any).pause.output.late).toBe(false);
    const kinds = h.events.filter((event) => event.executionId === run.id && event.kind === 'execution');
    expect(kinds.map((event) => event.status)).toEqual([
      'pending',
      'running',
      'waiting',
      'running',
      'completed',
    ]);
  });

  it('cancels a waiting run at once and nothing resumes it afterwards', async () => {
    const flowId = await escalationFlow();
    const run = await h.engine.trigger({ flowId });
    await h.engine.quiescent(run.id);
    const cancelled = await h.engine.cancel(run.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.error?.code).toBe('cancelled');
    expect(await h.engine.deliverEvent(run.id, { action: 'escalate' })).toBe(false);
    expect((await timeline(h, run.id)).find((row) => row.key === 'ask')?.status).toBe('cancelled');
    expect((await h.engine.get(run.id))?.status).toBe('cancelled');
  });

  it('cancels a running run at the step in flight; no further step starts', async () => {
    const flowId = await h.createFlow(
      'long',
      [
        manual,
        { key: 'work', type: 'test_slow', config: { ms: 60_000 } },
        { key: 'after', type: 'log', config: { message: 'x' } },
      ],
      [
        ['start', 'work'],
        ['work', 'after'],
      ],
    );
    const run = await h.engine.trigger({ flowId });
    await waitFor(() => h.events.some((event) => event.stepKey === 'work' && event.status === 'running'));
    const cancelled = await h.engine.cancel(run.id);
    expect(cancelled.status).toBe('cancelled');
    const rows = await timeline(h, run.id);
    expect(rows.map((row) => [row.key, row.status])).toEqual([
      ['start', 'completed'],
      ['work', 'cancelled'],
    ]);
  });

  it('cancels cooperatively at the next step boundary when the step ignores the signal', async () => {
    const g = gate('boundary');
    const flowId = await h.createFlow(
      'boundary',
      [
        manual,
        { key: 'work', type: 'test_gate', config: { name: 'boundary' } },
        { key: 'after', type: 'log', config: { message: 'x' } },
      ],
      [
        ['start', 'work'],
        ['work', 'after'],
      ],
    );
    const run = await h.engine.trigger({ flowId });
    await waitFor(() => h.events.some((event) => event.stepKey === 'work' && event.status === 'running'));
    const cancelling = h.engine.cancel(run.id);
    g.open();
    const done = await cancelling;
    expect(done.status).toBe('cancelled');
    expect(done.completedSteps).not.toContain('after');
  });

  it('reruns with the same trigger context and links the new run', async () => {
    const flowId = await h.createFlow(
      'rerun',
      [manual, { key: 'say', type: 'log', config: { message: 'hi {{trigger.who}}' } }],
      [['start', 'say']],
    );
    const first = await h.engine.settled((await h.engine.trigger({ flowId, payload: { who: 'Ana' } })).id);
    const second = await h.engine.settled((await h.engine.rerun(first.id)).id);
    expect(second.id).not.toBe(first.id);
    expect(second.rerunOf).toBe(first.id);
    expect(second.triggerPayload).toEqual({ who: 'Ana' });
    expect((second.data.steps as any).say.output.message).toBe('hi Ana');
    await expect(h.engine.rerun('missing')).rejects.toMatchObject({ code: 'not_found' });
  });
});

export async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
