import { describe, expect, it } from 'vitest';
import { evaluateCondition, evaluateExpression, ExpressionError } from './index.js';

const data = {
  trigger: { sensor_id: 'kitchen_cam_01', value: 31.5, tags: ['motion', 'night'] },
  vars: { x: true, muted: null, threshold: 30, name: 'Grandma' },
  room_name: 'Kitchen',
  steps: {
    identify_1: { output: { person_detections: [{ name: 'grandma', confidence: 0.92 }] } },
    logic_1: {
      output: { is_notification_needed: true, alert_level: 'emergency', notification_message: 'Stove on' },
    },
    scene_1: {
      output: {
        count: 4,
        label: 'kitchen',
        description: 'the room is empty',
        detections: [
          { label: 'person', score: 0.9 },
          { label: 'cat', score: 0.5 },
          { label: 'person', score: 0.7 },
        ],
      },
    },
    a: { output: { list: [1, 2] } },
  },
  'odd key': { 'key with space': 'spaced' },
};

const run = (source: string) => evaluateExpression(source, data);

function failure(source: string, input: unknown = data): ExpressionError {
  try {
    evaluateExpression(source, input);
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionError);
    return error as ExpressionError;
  }
  throw new Error(`expected ${source} to fail`);
}

describe('004 seed examples (with the engine’s steps.<key>.output)', () => {
  it.each([
    [
      'steps.identify_1.output.person_detections | length(@) > 0 and steps.logic_1.output.is_notification_needed == true',
      true,
    ],
    ['not exists(steps.translate_1.output) or contains(steps.scene_1.output.description, "empty")', true],
    ['exists(steps.logic_1.output.notification_message)', true],
    ['steps.logic_1.output.alert_level == "emergency"', true],
    ['steps.scene_1.output.count > 3', true],
    ['steps.scene_1.output.label != null', true],
    ['steps.scene_1.output.count > 0 and steps.logic_1.output.is_notification_needed == true', true],
    ['steps.a.output.list | length(@) > 0 and vars.x == true', true],
    ['{{ steps.scene_1.output.count > 3 }}', true],
  ])('%s', (source, expected) => {
    expect(run(source)).toBe(expected);
  });

  it('filters with JMESPath, with or without an explicit pipe', () => {
    const people = [
      { label: 'person', score: 0.9 },
      { label: 'person', score: 0.7 },
    ];
    expect(run("steps.scene_1.output.detections[?label == 'person']")).toEqual(people);
    expect(run("steps.scene_1.output.detections | [?label == 'person']")).toEqual(people);
    expect(run('steps.scene_1.output.detections | length(@)')).toBe(3);
    expect(run("steps.scene_1.output.detections[?label == 'person'].score | max(@) >= 0.9")).toBe(true);
    expect(run('steps.scene_1.output.detections[*].label')).toEqual(['person', 'cat', 'person']);
    expect(run("steps.scene_1.output.detections | [?label == 'dog'] | length(@) == 0")).toBe(true);
  });
});

describe('paths', () => {
  it('reads dotted, numeric and bracket paths', () => {
    expect(run('steps.identify_1.output.person_detections.0.name')).toBe('grandma');
    expect(run('steps.identify_1.output.person_detections[0]["name"]')).toBe('grandma');
    expect(run('steps.scene_1.output.detections[-1].score')).toBe(0.7);
    expect(evaluateExpression('a["key with space"]', { a: { 'key with space': 1 } })).toBe(1);
    expect(run('trigger.tags.1')).toBe('night');
    expect(run('room_name')).toBe('Kitchen');
  });

  it('yields undefined for missing paths and never throws', () => {
    expect(run('steps.nope.output.x.y')).toBe(undefined);
    expect(run('trigger.sensor_id.length')).toBe(undefined);
    expect(run('trigger.tags.9')).toBe(undefined);
    expect(run('trigger.tags.x')).toBe(undefined);
    expect(evaluateExpression('a.b', null)).toBe(undefined);
    expect(evaluateExpression('a.b', 5)).toBe(undefined);
  });

  it('sees only own properties', () => {
    expect(run('vars.constructor')).toBe(undefined);
    expect(run('vars.__proto__')).toBe(undefined);
    expect(run('vars.toString')).toBe(undefined);
    expect(run('trigger.tags.length')).toBe(undefined);
  });

  it('skips JMESPath on missing data instead of failing', () => {
    expect(run('steps.nope.output | length(@)')).toBe(null);
    expect(run('steps.nope.output | length(@) > 0')).toBe(false);
  });
});

describe('operators', () => {
  it('compares numbers numerically and strings lexicographically', () => {
    expect(run('2 < 10')).toBe(true);
    expect(run('"2" < "10"')).toBe(false);
    expect(run('"apple" < "banana"')).toBe(true);
    expect(run('trigger.value >= vars.threshold')).toBe(true);
    expect(run('1 <= 1 and 1 >= 1 and 2 > 1')).toBe(true);
  });

  it('never orders mismatched types', () => {
    expect(run('"5" > 1')).toBe(false);
    expect(run('"5" < 1')).toBe(false);
    expect(run('null < 1')).toBe(false);
    expect(run('steps.nope > 1')).toBe(false);
    expect(run('true > false')).toBe(false);
  });

  it('uses strict equality, undefined counting as null, structural for lists and objects', () => {
    expect(run('1 == 1.0')).toBe(true);
    expect(run('"1" == 1')).toBe(false);
    expect(run('"1" != 1')).toBe(true);
    expect(run('steps.nope == null')).toBe(true);
    expect(run('vars.muted == null')).toBe(true);
    expect(run('trigger.tags == ["motion", "night"]')).toBe(true);
    expect(run('steps.a.output == steps.a.output')).toBe(true);
    expect(run('false == null')).toBe(false);
    expect(run('0 == false')).toBe(false);
  });

  it('short-circuits and/or and returns booleans', () => {
    expect(run('vars.name and vars.threshold')).toBe(true);
    expect(run('vars.muted or 0')).toBe(false);
    expect(run('false and unknownfn_never_called')).toBe(false);
    expect(run('not vars.muted')).toBe(true);
    expect(run('!vars.x')).toBe(false);
    expect(run('true && (false || true)')).toBe(true);
  });

  it('does arithmetic', () => {
    expect(run('1 + 2 * 3')).toBe(7);
    expect(run('(1 + 2) * 3')).toBe(9);
    expect(run('10 / 4 - 1')).toBe(1.5);
    expect(run('-trigger.value')).toBe(-31.5);
    expect(run('--2')).toBe(2);
    expect(run('"a" + "b"')).toBe('ab');
    expect(run('steps.nope + 1')).toBe(null);
    expect(run('trigger.value - vars.threshold > 1')).toBe(true);
  });

  it('raises typed errors for impossible arithmetic', () => {
    expect(failure('1 / 0').code).toBe('type');
    expect(failure('"a" + 1').code).toBe('type');
    expect(failure('-"a"').code).toBe('type');
    expect(failure('trigger.tags * 2').message).toContain('list');
  });
});

describe('errors', () => {
  it('reports unknown functions, JMESPath failures and parse errors as ExpressionError', () => {
    expect(failure('nope(1)').code).toBe('unknown_function');
    expect(failure('trigger.value | length(@)').code).toBe('jmespath');
    const parse = failure('a == }');
    expect(parse.code).toBe('parse');
    expect(parse.position).toBe(5);
  });

  it('fails the same way on repeated calls (errors are cached)', () => {
    const first = failure('a ==');
    const second = failure('a ==');
    expect(second).not.toBe(first);
    expect(second.message).toBe(first.message);
  });

  it('turns data that blows up into ExpressionError', () => {
    const hostile = {
      get a(): unknown {
        throw new TypeError('boom');
      },
    };
    expect(failure('a', hostile).code).toBe('type');
  });
});

describe('evaluateCondition', () => {
  it('treats empty lists and objects as false', () => {
    expect(evaluateCondition('x', { x: [] })).toBe(false);
    expect(evaluateCondition('x', { x: {} })).toBe(false);
    expect(evaluateCondition('x', { x: [0] })).toBe(true);
    expect(evaluateCondition('x', { x: { a: 1 } })).toBe(true);
    expect(evaluateCondition('x', { x: '' })).toBe(false);
    expect(evaluateCondition('x', { x: 0 })).toBe(false);
    expect(evaluateCondition('x', { x: 'no' })).toBe(true);
    expect(evaluateCondition('x', {})).toBe(false);
  });

  it('evaluates the seed condition against trigger data', () => {
    expect(evaluateCondition('trigger.value > 30 and not exists(vars.muted)', data)).toBe(true);
  });
});
