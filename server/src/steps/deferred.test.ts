import { afterEach, beforeEach, expect, it } from 'vitest';
import { actionHarness, outputOf, runChain, type ActionHarness } from '../actions/test-support.js';
import { checkFlowExpressions } from '../engine/validation.js';

let h: ActionHarness;
beforeEach(async () => {
  h = await actionHarness();
});
afterEach(async () => {
  await h.close();
});

it('for_each_node: node placeholders mean the current node even when the trigger names a node', async () => {
  await h.addNode({ name: 'a' });
  await h.addNode({ name: 'b' });
  const { run } = await runChain(
    h,
    'x',
    [
      {
        key: 'each',
        type: 'for_each_node',
        config: {
          action: {
            type: 'log',
            config: { message: '{node_name}/{{ node.name }} after {metric}={{ trigger.value }}' },
          },
        },
      },
    ],
    { node: { id: 'trig', name: 'TRIGGER' }, metric: 'temp', value: 30 },
  );
  expect(outputOf(run, 'each').results.map((r: any) => r.output.message)).toEqual([
    'a/a after temp=30',
    'b/b after temp=30',
  ]);
});

it('for_each_node: save-time checks accept node.* in the action and still reject typos elsewhere', () => {
  const steps = [
    { key: 'start', type: 'manual', config: {} },
    {
      key: 'each',
      type: 'for_each_node',
      config: { action: { type: 'log', config: { message: '{{ node.name }} {{ nod.name }}' } } },
    },
  ];
  const issues = checkFlowExpressions(steps, [{ source: 'start', target: 'each' }], h.registry);
  expect(issues.map((issue) => issue.message)).toEqual([expect.stringMatching(/unknown path "nod.name"/)]);
  const alert = [steps[0]!, { key: 'alert', type: 'alert', config: { message: '{{ node.name }}' } }];
  expect(checkFlowExpressions(alert, [{ source: 'start', target: 'alert' }], h.registry)).toHaveLength(1);
});

it('for_each_node: without onNodeError, the skip strategy collects failures and stop fails the step', async () => {
  await h.addNode({ name: 'x', kind: 'hub' });
  const action = { type: 'http', config: { url: 'http://10.9.9.9/', failOnError: true } };
  const skip = await runChain(h, 'skip', [
    { key: 'each', type: 'for_each_node', onError: 'skip', config: { selector: { kind: 'hub' }, action } },
  ]);
  expect(skip.run.status).toBe('completed');
  expect(outputOf(skip.run, 'each')).toMatchObject({ total: 1, failed: 1 });
  const stop = await runChain(h, 'stop', [
    { key: 'each', type: 'for_each_node', config: { selector: { kind: 'hub' }, action } },
  ]);
  expect(stop.run.status).toBe('failed');
});
