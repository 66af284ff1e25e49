import { describe, expect, it } from 'vitest';
import { editText, keyProblem, parseValue, preview } from './json-value';

describe('variable values and keys', () => {
  it('reads any JSON value, and an empty box as null', () => {
    expect(parseValue('42')).toEqual({ ok: true, value: 42 });
    expect(parseValue('"calm"')).toEqual({ ok: true, value: 'calm' });
    expect(parseValue('{"a":[1,true,null]}')).toEqual({ ok: true, value: { a: [1, true, null] } });
    expect(parseValue('  ')).toEqual({ ok: true, value: null });
  });

  it('explains unquoted text apart from broken JSON', () => {
    const bare = parseValue('calm');
    expect(bare.ok).toBe(false);
    expect(!bare.ok && bare.message).toMatch(/double quotes/);
    const broken = parseValue('{"a": }');
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.message).toMatch(/not valid JSON/);
  });

  it('checks keys with set_variable’s pattern and against the flow’s own keys', () => {
    expect(keyProblem('last_seen', [])).toBeNull();
    expect(keyProblem('_x9', [])).toBeNull();
    expect(keyProblem('', [])).toMatch(/name/);
    expect(keyProblem('9lives', [])).toMatch(/starting with a letter/);
    expect(keyProblem('a-b', [])).toMatch(/letters, digits/);
    expect(keyProblem('a'.repeat(65), [])).toMatch(/at most 64/);
    expect(keyProblem('count', ['count'])).toMatch(/already has/);
  });

  it('round-trips edit text and shortens long previews', () => {
    const value = { rooms: ['kitchen', 'hall'], n: 2 };
    const text = editText(value);
    expect(text).toContain('\n');
    expect(parseValue(text)).toEqual({ ok: true, value });
    expect(editText('calm')).toBe('"calm"');
    expect(preview('x'.repeat(200), 20)).toHaveLength(20);
    expect(preview(null)).toBe('null');
  });
});
