import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harness, manual, type Harness } from './test-fixtures.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

function caller(target: string, waitForResult = true, payload: Record<string, unknown> = {}) {
  return { key: 'call', type: 'trigger_flow', config: { flowName: target, waitForResult, payload } };
}

describe('trigger_flow', () => {
  it('starts another flow with a payload and waits for its result', async () => {
    await h.createFlow(
      'child',
      [manual, { key: 'double', type: 'log', config: { message: 'got {{trigger.n}}' } }],
      [['start', 'double']],
    );
    const parentId = await h.createFlow(
      'parent',
      [manual, caller('child', true, { n: '{{trigger.n}}' })],
      [['start', 'call']],
    );
    const run = await h.engine.settled((await h.engine.trigger({ flowId: parentId, payload: { n: 21 } })).id);
    expect(run.status).toBe('completed');
    const flowRun = (run.data.steps as any).call.output.flowRun;
    expect(flowRun).toMatchObject({ flowName: 'child', status: 'completed' });
    expect(flowRun.steps.double).toEqual({ level: 'info', message: 'got 21' });
    const child = await h.engine.get(flowRun.executionId);
    expect(child).toMatchObject({
      parentExecutionId: run.id,
      depth: 1,
      triggerType: 'flow',
      triggerPayload: { n: 21 },
    });
  });

  it('fires and forgets without waitForResult', async () => {
    await h.createFlow('child', [manual], []);
    const parentId = await h.createFlow('parent', [manual, caller('child', false)], [['start', 'call']]);
    const run = await h.engine.settled((await h.engine.trigger({ flowId: parentId })).id);
    const childId = (run.data.steps as any).call.output.flowRun.executionId;
    expect((await h.engine.settled(childId)).status).toBe('completed');
  });

  it('fails the step when the child fails, with the child’s reason', async () => {
    await h.createFlow(
      'child',
      [manual, { key: 'bad', type: 'test_flaky', config: { key: 'child-fails', failTimes: 9 } }],
      [['start', 'bad']],
    );
    const parentId = await h.createFlow('parent', [manual, caller('child')], [['start', 'call']]);
    const run = await h.engine.settled((await h.engine.trigger({ flowId: parentId })).id);
    expect(run.status).toBe('failed');
    expect(run.error?.message).toBe('flow "child" failed: attempt 1 failed');
  });

  it('refuses the A → B → A cycle with a clear error in the run', async () => {
    // A save refuses a trigger_flow target that does not exist yet, so B is closed into a cycle
    // afterwards, straight in the database.
    const bId = await h.createFlow(
      'B',
      [manual, { key: 'call', type: 'log', config: { message: 'x' } }],
      [['start', 'call']],
    );
    await h.createFlow('A', [manual, caller('B')], [['start', 'call']]);
    await h.orm.em
      .getConnection()
      .execute(`update flow_steps set type = 'trigger_flow', config = ? where flow_id = ? and key = 'call'`, [
        JSON.stringify({ ...caller('A').config, timeoutSeconds: 300 }),
        bId,
      ]);
    await h.orm.em.getConnection().execute(`update flows set version = version + 1 where id = ?`, [bId]);
    const a = await h.engine.settled((await h.engine.trigger({ flowName: 'A' })).id);
    expect(a.status).toBe('failed');
    expect(a.error?.message).toBe('flow "B" failed: trigger_flow cycle refused: A → B → A');
    const rows = (await h.orm.em
      .getConnection()
      .execute(
        `select f.name, e.status, e.error from flow_executions e join flows f on f.id = e.flow_id`,
      )) as any[];
    expect(rows.map((row) => row.name).sort()).toEqual(['A', 'B']);
    expect(JSON.parse(rows.find((row) => row.name === 'B').error).message).toBe(
      'trigger_flow cycle refused: A → B → A',
    );
  });

  it('limits nesting to 10 levels', async () => {
    // f0 → f1 → … → f11: f0 runs at depth 0, so f11 would be level 11.
    // Created from the end of the chain: a trigger_flow target must exist when the caller is saved.
    for (let i = 11; i >= 0; i--) {
      const steps = i < 11 ? [manual, caller(`f${i + 1}`)] : [manual];
      await h.createFlow(`f${i}`, steps, i < 11 ? [['start', 'call']] : []);
    }
    const root = await h.engine.settled((await h.engine.trigger({ flowName: 'f0' })).id);
    expect(root.status).toBe('failed');
    const deepest = (await h.orm.em
      .getConnection()
      .execute(`select depth, status, error from flow_executions order by depth desc limit 1`)) as any[];
    expect(deepest[0].depth).toBe(10);
    expect(JSON.parse(deepest[0].error).message).toBe(
      'trigger_flow nesting is limited to 10 levels; starting "f11" would be level 11',
    );
    // A chain that ends at level 10 is fine.
    const ok = await h.engine.settled((await h.engine.trigger({ flowName: 'f1' })).id);
    expect(ok.status).toBe('completed');
  });

  it('lets the parent run time out while the child is still busy', async () => {
    await h.createFlow(
      'slow child',
      [manual, { key: 'pause', type: 'wait', config: { minutes: 10 } }],
      [['start', 'pause']],
    );
    const parentId = await h.createFlow(
      'impatient',
      [
        manual,
        {
          key: 'call',
          type: 'trigger_flow',
          config: { flowName: 'slow child', waitForResult: true, timeoutSeconds: 1 },
        },
      ],
      [['start', 'call']],
    );
    const run = await h.engine.trigger({ flowId: parentId });
    const done = await h.engine.settled(run.id);
    expect(done.status).toBe('failed');
    expect(done.error?.message).toBe('flow "slow child" did not finish within 1 s');
  });
});
