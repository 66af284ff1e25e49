import { describe, expect, it } from 'vitest';
import { renderConfig, renderTemplate, renderValue } from './index.js';

const data = {
  room_name: 'Kitchen',
  person_detections: [{ name: 'grandma', person_id: 'p-1', confidence: 0.92 }],
  logic_response: { user_notification: 'Stove left on' },
  system: { local_time: '8:42 AM' },
  trigger: { sensor_id: 'kitchen_cam_01' },
  steps: { scene_1: { output: { count: 3, labels: ['person', 'cat'], ok: false, none: null } } },
};

describe('renderTemplate', () => {
  it('renders the 004 seed prompt templates', () => {
    expect(
      renderTemplate('Look at the person in the {{room_name}}. Are they using the stove safely?', data),
    ).toBe('Look at the person in the Kitchen. Are they using the stove safely?');
    expect(
      renderTemplate(
        'Reminder for {{person_detections.0.name}} at {{system.local_time}} in the {{room_name}}.',
        data,
      ),
    ).toBe('Reminder for grandma at 8:42 AM in the Kitchen.');
    expect(renderTemplate('{{logic_response.user_notification}}', data)).toBe('Stove left on');
    expect(renderTemplate('{{ trigger.sensor_id }}', data)).toBe('kitchen_cam_01');
  });

  it('renders lists and objects as JSON and scalars as text', () => {
    expect(renderTemplate('labels: {{ steps.scene_1.output.labels }}', data)).toBe(
      'labels: ["person","cat"]',
    );
    expect(renderTemplate('n={{ steps.scene_1.output.count }} ok={{ steps.scene_1.output.ok }}', data)).toBe(
      'n=3 ok=false',
    );
    expect(renderTemplate('{{ person_detections.0 }}!', data)).toBe(
      '{"name":"grandma","person_id":"p-1","confidence":0.92}!',
    );
  });

  it('evaluates full expressions inside the braces', () => {
    expect(renderTemplate('{{ steps.scene_1.output.count > 2 }}', data)).toBe('true');
    expect(renderTemplate('{{ steps.scene_1.output.labels | length(@) }} things', data)).toBe('2 things');
    expect(renderTemplate('{{ upper(room_name) }}', data)).toBe('KITCHEN');
    expect(renderTemplate('{{ contains(room_name, "}}") }}', data)).toBe('false');
    expect(renderTemplate("{{ steps.scene_1.output.labels[?@ == 'cat'] }}", data)).toBe('["cat"]');
  });

  it('keeps unresolvable placeholders exactly as written', () => {
    expect(renderTemplate('x {{ steps.nope.output }} y', data)).toBe('x {{ steps.nope.output }} y');
    expect(renderTemplate('{{steps.scene_1.output.none}}', data)).toBe('{{steps.scene_1.output.none}}');
    expect(renderTemplate('{{ a == }} and {{ room_name }}', data)).toBe('{{ a == }} and Kitchen');
    expect(renderTemplate('{{ nofn(1) }}', data)).toBe('{{ nofn(1) }}');
    expect(renderTemplate('{{ room_name | length(@) * 2 }}', data)).toBe('{{ room_name | length(@) * 2 }}');
    expect(renderTemplate('unclosed {{ room_name', data)).toBe('unclosed {{ room_name');
    expect(renderTemplate('{{}} {{ }}', data)).toBe('{{}} {{ }}');
  });

  it('substitutes HALO single-brace context variables', () => {
    const context = {
      node_id: 'n-7',
      node_name: 'gw-01',
      metric: 'cpu',
      value: 97.5,
      threshold: 90,
      operator: '>',
    };
    expect(
      renderTemplate('Node {node_name} {metric} hit {value} (threshold {threshold})', data, context),
    ).toBe('Node gw-01 cpu hit 97.5 (threshold 90)');
    expect(renderTemplate('{node_id} {operator} {prev_result}', data, context)).toBe('n-7 > {prev_result}');
    expect(renderTemplate('{custom}', data, { custom: ['a'] })).toBe('["a"]');
  });

  it('leaves other braces alone', () => {
    const context = { node_name: 'gw' };
    expect(renderTemplate('{"node": "{node_name}"}', data, context)).toBe('{"node": "gw"}');
    expect(renderTemplate('{ node_name } {node.name} {1x} {}', data, context)).toBe(
      '{ node_name } {node.name} {1x} {}',
    );
    expect(renderTemplate('{room_name}', data)).toBe('{room_name}');
    expect(renderTemplate('{toString} {__proto__}', data, {})).toBe('{toString} {__proto__}');
  });

  it('returns strings without braces untouched', () => {
    const text = 'plain text with no placeholders';
    expect(renderTemplate(text, data)).toBe(text);
    expect(renderTemplate('', data)).toBe('');
  });
});

describe('renderValue', () => {
  it('returns the raw value for a string that is exactly one placeholder', () => {
    expect(renderValue('{{ steps.scene_1.output.count }}', data)).toBe(3);
    expect(renderValue('{{steps.scene_1.output.labels}}', data)).toEqual(['person', 'cat']);
    expect(renderValue('{{ steps.scene_1.output.ok }}', data)).toBe(false);
    expect(renderValue('{value}', data, { value: 97.5 })).toBe(97.5);
  });

  it('renders text otherwise and keeps unresolved placeholders', () => {
    expect(renderValue(' {{ steps.scene_1.output.count }}', data)).toBe(' 3');
    expect(renderValue('{{ steps.nope }}', data)).toBe('{{ steps.nope }}');
    expect(renderValue('no braces', data)).toBe('no braces');
  });
});

describe('renderConfig', () => {
  it('deep-maps every string and keeps other values', () => {
    const config = {
      message: 'Hi {{ person_detections.0.name }} in {room}',
      count: '{{ steps.scene_1.output.count }}',
      nested: {
        list: ['{{ room_name }}', 5, true, null],
        deep: { id: '{{ person_detections.0.person_id }}' },
      },
    };
    expect(renderConfig(config, data, { room: 'Den' })).toEqual({
      message: 'Hi grandma in Den',
      count: 3,
      nested: { list: ['Kitchen', 5, true, null], deep: { id: 'p-1' } },
    });
    expect(config.count).toBe('{{ steps.scene_1.output.count }}');
  });

  it('returns untouched branches as the same objects', () => {
    const config = { static: { a: 'plain', b: [1, 2] }, dynamic: '{{ room_name }}' };
    const rendered = renderConfig(config, data);
    expect(rendered.static).toBe(config.static);
    expect(rendered.dynamic).toBe('Kitchen');
    const plain = { a: 'x', b: { c: 'y' } };
    expect(renderConfig(plain, data)).toBe(plain);
  });

  it('survives cycles, class instances and __proto__ keys', () => {
    const cyclic: Record<string, unknown> = { name: '{{ room_name }}' };
    cyclic.self = cyclic;
    const rendered = renderConfig(cyclic, data) as Record<string, unknown>;
    expect(rendered.name).toBe('Kitchen');
    const date = new Date(0);
    expect(renderConfig({ date }, data).date).toBe(date);
    const tricky = JSON.parse('{"__proto__": {"x": "{{ room_name }}"}}') as Record<string, unknown>;
    const out = renderConfig(tricky, data);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ x: 'Kitchen' });
  });
});
