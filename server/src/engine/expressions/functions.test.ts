import { describe, expect, it } from 'vitest';
import { evaluateExpression, ExpressionError, FUNCTION_NAMES } from './index.js';

const data = {
  s: 'Hello World',
  list: ['person', 'cat', 3, { a: 1 }],
  obj: { b: 2, a: 1 },
  nums: [3, -1, 2],
  n: -2.5,
  flag: true,
};
const run = (source: string) => evaluateExpression(source, data);
const typeError = (source: string) => {
  try {
    run(source);
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionError);
    return (error as ExpressionError).code;
  }
  return 'no error';
};

describe('functions', () => {
  it('lists the built-in functions', () => {
    expect([...FUNCTION_NAMES].sort()).toEqual(
      [
        'abs',
        'any_in',
        'contains',
        'ends_with',
        'exists',
        'icontains',
        'keys',
        'length',
        'lower',
        'max',
        'min',
        'number',
        'round',
        'starts_with',
        'string',
        'upper',
        'values',
      ].sort(),
    );
  });

  it('contains: substring, list membership (structural), dict keys; case-sensitive', () => {
    expect(run('contains(s, "World")')).toBe(true);
    expect(run('contains(s, "world")')).toBe(false);
    expect(run('contains(list, "cat")')).toBe(true);
    expect(run('contains(list, 3)')).toBe(true);
    expect(run('contains(list, "3")')).toBe(false);
    expect(run('contains(list, obj)')).toBe(false);
    expect(run('contains(obj, "a")')).toBe(true);
    expect(run('contains(missing, "a")')).toBe(false);
    expect(run('contains(s, missing)')).toBe(false);
  });

  it('icontains: case-insensitive', () => {
    expect(run('icontains(s, "WORLD")')).toBe(true);
    expect(run('icontains(list, "CAT")')).toBe(true);
    expect(run('icontains(obj, "A")')).toBe(true);
    expect(run('icontains(s, "moon")')).toBe(false);
  });

  it('length of strings, lists and objects; 0 for missing', () => {
    expect(run('length(s)')).toBe(11);
    expect(run('length("né😀")')).toBe(3);
    expect(run('length(list)')).toBe(4);
    expect(run('length(obj)')).toBe(2);
    expect(run('length(missing)')).toBe(0);
    expect(typeError('length(n)')).toBe('type');
  });

  it('lower and upper', () => {
    expect(run('lower(s)')).toBe('hello world');
    expect(run('upper(s)')).toBe('HELLO WORLD');
    expect(run('upper(flag)')).toBe('TRUE');
    expect(run('lower(missing)')).toBe(null);
    expect(typeError('lower(list)')).toBe('type');
  });

  it('keys and values', () => {
    expect(run('keys(obj)')).toEqual(['b', 'a']);
    expect(run('values(obj)')).toEqual([2, 1]);
    expect(run('keys(missing)')).toEqual([]);
    expect(run('values(missing)')).toEqual([]);
    expect(typeError('keys(list)')).toBe('type');
    expect(typeError('values(s)')).toBe('type');
  });

  it('exists: true for any non-null value', () => {
    expect(run('exists(s)')).toBe(true);
    expect(run('exists(flag)')).toBe(true);
    expect(run('exists(obj.zero)')).toBe(false);
    expect(evaluateExpression('exists(a)', { a: 0 })).toBe(true);
    expect(evaluateExpression('exists(a)', { a: null })).toBe(false);
    expect(evaluateExpression('exists(a)', { a: false })).toBe(true);
  });

  it('any_in: any element of the list among the candidates', () => {
    expect(run('any_in(list, ["dog", "cat"])')).toBe(true);
    expect(run('any_in(list, ["dog"])')).toBe(false);
    expect(run('any_in("cat", list)')).toBe(true);
    expect(run('any_in(list, "person")')).toBe(true);
    expect(run('any_in(missing, list)')).toBe(false);
    expect(run('any_in(list, missing)')).toBe(false);
    expect(run('any_in([], list)')).toBe(false);
  });

  it('starts_with and ends_with', () => {
    expect(run('starts_with(s, "Hello")')).toBe(true);
    expect(run('starts_with(s, "World")')).toBe(false);
    expect(run('ends_with(s, "World")')).toBe(true);
    expect(run('ends_with(missing, "x")')).toBe(false);
    expect(run('starts_with(123, "12")')).toBe(true);
    expect(typeError('starts_with(list, "x")')).toBe('type');
  });

  it('number and string conversions', () => {
    expect(run('number("42")')).toBe(42);
    expect(run('number(" 1.5 ")')).toBe(1.5);
    expect(run('number("abc")')).toBe(null);
    expect(run('number("")')).toBe(null);
    expect(run('number(flag)')).toBe(1);
    expect(run('number(missing)')).toBe(null);
    expect(run('number(list)')).toBe(null);
    expect(run('string(42)')).toBe('42');
    expect(run('string(flag)')).toBe('true');
    expect(run('string(missing)')).toBe('');
    expect(run('string(obj)')).toBe('{"b":2,"a":1}');
    expect(run('string(number("7")) == "7"')).toBe(true);
  });

  it('abs and round', () => {
    expect(run('abs(n)')).toBe(2.5);
    expect(run('abs(missing)')).toBe(null);
    expect(typeError('abs(s)')).toBe('type');
    expect(run('round(n)')).toBe(-3);
    expect(run('round(2.5)')).toBe(3);
    expect(run('round(1.005, 2)')).toBe(1.01);
    expect(run('round(3.14159, 3)')).toBe(3.142);
    expect(run('round(missing)')).toBe(null);
    expect(typeError('round(1, 1.5)')).toBe('type');
    expect(typeError('round(1, 99)')).toBe('type');
  });

  it('min and max over arguments or one list', () => {
    expect(run('min(nums)')).toBe(-1);
    expect(run('max(nums)')).toBe(3);
    expect(run('min(4, 2, 8)')).toBe(2);
    expect(run('max("b", "a")')).toBe('b');
    expect(run('max([])')).toBe(null);
    expect(run('max(1, missing)')).toBe(1);
    expect(typeError('max(1, "a")')).toBe('type');
  });

  it('rejects unknown functions (now() is deliberately absent) and wrong arity', () => {
    expect(typeError('now()')).toBe('unknown_function');
    expect(typeError('length()')).toBe('type');
    expect(typeError('contains(s)')).toBe('type');
    expect(typeError('round(1, 2, 3)')).toBe('type');
    expect(typeError('min()')).toBe('type');
  });
});
