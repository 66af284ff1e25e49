import { describe, expect, it } from 'vitest';
import {
  checkExpression,
  checkTemplate,
  ExpressionError,
  referencedPaths,
  type ExpressionScope,
} from './index.js';

const scope: ExpressionScope = {
  stepKeys: ['scene_1', 'scene_analysis_1', 'logic_1', 'identify_1'],
  knownRoots: ['trigger', 'system', 'steps', 'vars', 'room_name', 'person_detections', 'vision_response'],
};

describe('checkExpression', () => {
  it('accepts valid expressions', () => {
    expect(
      checkExpression(
        'steps.identify_1.output.person_detections | length(@) > 0 and steps.logic_1.output.is_notification_needed == true',
        scope,
      ),
    ).toEqual([]);
    expect(
      checkExpression('exists(vars.muted) or room_name == "Kitchen" and system.local_hour_24h > "07"', scope),
    ).toEqual([]);
    expect(checkExpression('steps', scope)).toEqual([]);
  });

  it('rejects a misspelt step with a suggestion (the seed’s scene_anaylsis_1 example)', () => {
    const [issue, ...rest] = checkExpression('steps.scene_anaylsis_1.output.count > 1', scope);
    expect(rest).toEqual([]);
    expect(issue).toEqual({
      code: 'unknown_step',
      message:
        'unknown step "scene_anaylsis_1" in steps.scene_anaylsis_1.output.count; did you mean steps.scene_analysis_1.output.count?',
      position: 0,
      suggestion: 'steps.scene_analysis_1.output.count',
    });
  });

  it('suggests steps.scene_1 for a near miss and nothing for a stranger', () => {
    expect(checkExpression('steps.scene1.output', scope)[0]?.suggestion).toBe('steps.scene_1.output');
    const [issue] = checkExpression('steps.completely_different.output', scope);
    expect(issue?.code).toBe('unknown_step');
    expect(issue?.suggestion).toBeUndefined();
    expect(checkExpression('steps.0.output', scope)[0]?.code).toBe('unknown_step');
  });

  it('rejects unknown roots, suggesting a close known root', () => {
    expect(checkExpression('a == 1 and trigerr.sensor_id', scope)).toEqual([
      { code: 'unknown_path', message: 'unknown path "a"', position: 0 },
      {
        code: 'unknown_path',
        message: 'unknown path "trigerr.sensor_id"; did you mean trigger.sensor_id?',
        position: 11,
        suggestion: 'trigger.sensor_id',
      },
    ]);
    expect(checkExpression('step.scene_1', scope)[0]?.suggestion).toBe('steps.scene_1');
  });

  it('checks system.* keys', () => {
    expect(checkExpression('system.local_tme', scope)[0]).toMatchObject({
      code: 'unknown_path',
      suggestion: 'system.local_time',
    });
  });

  it('checks the field under a step when the scope names them', () => {
    const strict = { ...scope, stepFields: ['output'] };
    expect(checkExpression('steps.scene_1.output.count', strict)).toEqual([]);
    expect(checkExpression('steps.scene_1.outputs.count', strict)[0]).toMatchObject({
      code: 'unknown_path',
      suggestion: 'steps.scene_1.output.count',
    });
  });

  it('reports unknown functions with a suggestion, and wrong arity', () => {
    expect(checkExpression('lenght(vars.list) > 0', scope)).toEqual([
      {
        code: 'unknown_function',
        message: 'unknown function "lenght"; did you mean length()?',
        position: 0,
        suggestion: 'length',
      },
    ]);
    expect(checkExpression('icontain(room_name, "k")', scope)[0]?.suggestion).toBe('icontains');
    expect(checkExpression('frobnicate(1)', scope)[0]).toEqual({
      code: 'unknown_function',
      message: 'unknown function "frobnicate"',
      position: 0,
    });
    expect(checkExpression('contains(room_name)', scope)[0]).toMatchObject({ code: 'parse', position: 0 });
  });

  it('reports several problems at once', () => {
    const codes = checkExpression('nope(steps.x.output) or bogus', scope).map((issue) => issue.code);
    expect(codes).toEqual(['unknown_function', 'unknown_step', 'unknown_path']);
  });

  it('reports parse errors with their position', () => {
    expect(checkExpression('steps.scene_1.output.count > ', scope)).toEqual([
      { code: 'parse', message: 'unexpected end of expression at 29', position: 29 },
    ]);
    expect(checkExpression('a == (b and }', scope)[0]).toMatchObject({ code: 'parse', position: 12 });
    expect(checkExpression('x | [?a ==', scope)[0]).toMatchObject({ code: 'parse', position: 4 });
  });

  it('does not check paths inside JMESPath (they are relative to the piped value)', () => {
    expect(checkExpression("steps.scene_1.output.detections[?label == 'person'].name", scope)).toEqual([]);
  });
});

describe('checkTemplate', () => {
  it('checks every placeholder with positions in the template', () => {
    const template =
      'Hi {{ person_detections.0.name }}, see {{ steps.scene_anaylsis_1.output }} at {{ bogus }}';
    const issues = checkTemplate(template, scope);
    expect(issues.map((issue) => [issue.code, issue.position])).toEqual([
      ['unknown_step', template.indexOf('steps.')],
      ['unknown_path', template.indexOf('bogus')],
    ]);
    expect(issues[0]?.suggestion).toBe('steps.scene_analysis_1.output');
  });

  it('reports parse errors and unterminated placeholders at template positions', () => {
    expect(checkTemplate('ok {{ a == }}', { ...scope, knownRoots: ['a'] })).toEqual([
      { code: 'parse', message: 'unexpected end of expression at 11', position: 11 },
    ]);
    expect(checkTemplate('x {{ vars.a }} {{ f(,) }}', scope)).toEqual([
      { code: 'parse', message: 'unexpected "," at 20', position: 20 },
    ]);
    expect(checkTemplate('Hello {{ room_name', scope)).toEqual([
      { code: 'parse', message: 'unterminated "{{" at 6', position: 6 },
    ]);
  });

  it('accepts plain text, seed templates and single-brace context variables', () => {
    expect(checkTemplate('Node {node_name} {metric} hit {value} (threshold {threshold})', scope)).toEqual([]);
    expect(
      checkTemplate(
        'Reminder for {{person_detections.0.name}} at {{system.local_time}} in the {{room_name}}.',
        scope,
      ),
    ).toEqual([]);
    expect(checkTemplate('no placeholders', scope)).toEqual([]);
  });
});

describe('referencedPaths', () => {
  it('lists the data paths an expression reads, once each, in order', () => {
    expect(
      referencedPaths(
        'steps.identify_1.output.person_detections | length(@) > 0 and exists(vars.x) and vars.x == steps.a["b c"]',
      ),
    ).toEqual(['steps.identify_1.output.person_detections', 'vars.x', 'steps.a.b c']);
    expect(referencedPaths("items[?label == 'person'].name")).toEqual(['items']);
    expect(referencedPaths('1 + 2')).toEqual([]);
  });

  it('throws ExpressionError for unparsable input', () => {
    expect(() => referencedPaths('a ==')).toThrow(ExpressionError);
  });
});
