import { beforeAll, describe, expect, it } from 'vitest';
import type { StepTypeRegistry } from '../steps/registry.js';
import { testRegistry } from './test-fixtures.js';
import { checkFlowExpressions, dataKeys } from './validation.js';

let registry: StepTypeRegistry;
beforeAll(async () => {
  registry = await testRegistry();
});

const steps = [
  { key: 'start', type: 'manual', config: {} },
  {
    key: 'ask',
    type: 'interactive_prompt',
    config: { popupMessageTemplate: 'Okay?', outputKey: 'interactive_response' },
  },
  {
    key: 'check',
    type: 'condition',
    config: { expression: 'auto_escalate_triggered == true and trigger.value > 3' },
  },
  {
    key: 'notify',
    type: 'alert',
    config: {
      level: 'emergency',
      message: 'Help: {{ interactive_response.channel }} at {{ system.local_time }}',
    },
  },
  { key: 'side', type: 'log', config: { message: 'side branch' } },
];
const edges = [
  { source: 'start', sourcePort: 'main', target: 'ask' },
  { source: 'ask', sourcePort: 'answered', target: 'check' },
  { source: 'check', sourcePort: 'true', target: 'notify' },
  { source: 'start', sourcePort: 'main', target: 'side' },
];

describe('checkFlowExpressions', () => {
  it('accepts expressions and templates that reference ancestors, roots and declared flat keys', () => {
    expect(checkFlowExpressions(steps, edges, registry)).toEqual([]);
  });

  it('rejects a step that is not an ancestor, with a suggestion', () => {
    const bad = [
      ...steps.slice(0, 4),
      { key: 'side', type: 'log', config: { message: 'saw {{ steps.chek.output.result }}' } },
    ];
    const issues = checkFlowExpressions(bad, edges, registry);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ stepKey: 'side', field: 'config.message', code: 'unknown_step' });
    const withCheck = checkFlowExpressions(
      [
        ...steps.slice(0, 4),
        { key: 'after', type: 'log', config: { message: '{{ steps.chek.output.result }}' } },
      ],
      [...edges, { source: 'notify', sourcePort: 'main', target: 'after' }],
      registry,
    );
    expect(withCheck[0]!.message).toMatch(/did you mean steps\.check\.output\.result/);
  });

  it('rejects unknown paths and functions and parse errors in conditions', () => {
    const bad = steps.map((step) =>
      step.key === 'check'
        ? { ...step, config: { expression: 'tirgger.value > 3 and lenght(vars.x) > 1' } }
        : step,
    );
    const issues = checkFlowExpressions(bad, edges, registry);
    expect(issues.map((issue) => issue.code).sort()).toEqual(['unknown_function', 'unknown_path']);
    expect(issues.every((issue) => issue.field === 'config.expression')).toBe(true);
    const parse = checkFlowExpressions(
      steps.map((step) =>
        step.key === 'check' ? { ...step, config: { expression: 'trigger.value >' } } : step,
      ),
      edges,
      registry,
    );
    expect(parse[0]).toMatchObject({ code: 'parse', stepKey: 'check' });
  });

  it('leaves HALO single-brace variables alone and checks response.step', () => {
    const flow = [
      { key: 'start', type: 'manual', config: {} },
      { key: 'say', type: 'log', config: { message: 'Node {node_name} hit {value}' } },
      { key: 'test', type: 'response', config: { step: 'nothere', test: 'truthy' } },
    ];
    const issues = checkFlowExpressions(
      flow,
      [
        { source: 'start', target: 'say' },
        { source: 'say', target: 'test' },
      ],
      registry,
    );
    expect(issues).toEqual([
      expect.objectContaining({ stepKey: 'test', field: 'config.step', code: 'unknown_step' }),
    ]);
  });
});

describe('dataKeys', () => {
  it('lists what templates may reference at a step', () => {
    const keys = dataKeys(steps, edges, 'notify', registry, { variables: ['muted', '$cooldown.x'] });
    expect(keys).toEqual(
      expect.arrayContaining([
        'trigger.payload',
        'trigger.node.name',
        'system.local_time',
        'system.local_date_friendly',
        'vars.muted',
        'steps.ask.output',
        'steps.ask.output.interactive_response',
        'interactive_response',
        'auto_escalate_triggered',
        'steps.check.output.result',
      ]),
    );
    expect(keys).not.toContain('steps.side.output');
    expect(keys).not.toContain('steps.notify.output');
    expect(keys).not.toContain('vars.$cooldown.x');
  });
});
