import { describe, expect, it } from 'vitest';
import type { ExpressionAst } from './ast.js';
import { ExpressionError, parseExpression } from './index.js';
import { MAX_NESTING, MAX_SOURCE_LENGTH } from './parser.js';
import { printExpression } from './printer.js';

function shape(source: string): string {
  return printExpression(parseExpression(source));
}

function parseError(source: string): ExpressionError {
  try {
    parseExpression(source);
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionError);
    return error as ExpressionError;
  }
  throw new Error(`expected ${source} to fail`);
}

describe('parseExpression', () => {
  it('parses literals', () => {
    const literal = (source: string) =>
      (parseExpression(source) as Extract<ExpressionAst, { type: 'literal' }>).value;
    expect(literal('42')).toBe(42);
    expect(literal('3.25')).toBe(3.25);
    expect(literal('1e3')).toBe(1000);
    expect(literal('"a\\"b\\n"')).toBe('a"b\n');
    expect(literal("'it\\'s'")).toBe("it's");
    expect(literal("'\\u00e9'")).toBe('é');
    expect(literal('true')).toBe(true);
    expect(literal('false')).toBe(false);
    expect(literal('null')).toBe(null);
    expect(parseExpression('-5')).toMatchObject({ type: 'unary', op: 'neg', operand: { value: 5 } });
  });

  it('parses dotted, numeric and bracket paths into one flat path', () => {
    expect(parseExpression('a.b.0.c')).toMatchObject({
      type: 'path',
      base: null,
      segments: ['a', 'b', 0, 'c'],
    });
    expect(parseExpression('a["key with space"][0][-1]')).toMatchObject({
      segments: ['a', 'key with space', 0, -1],
    });
    expect(parseExpression("a['x'].and.true")).toMatchObject({ segments: ['a', 'x', 'and', 'true'] });
    expect(parseExpression('(a.b).c')).toMatchObject({ type: 'path', base: null, segments: ['a', 'b', 'c'] });
    expect(parseExpression('keys(a).0')).toMatchObject({
      type: 'path',
      base: { type: 'call' },
      segments: [0],
    });
  });

  it('follows precedence: or < and < not < comparison < + - < * / < unary minus', () => {
    expect(shape('a or b and c')).toBe('a or b and c');
    expect(parseExpression('a or b and c')).toMatchObject({ op: 'or', right: { op: 'and' } });
    expect(parseExpression('a and b or c')).toMatchObject({ op: 'or', left: { op: 'and' } });
    expect(parseExpression('not a == b')).toMatchObject({ type: 'unary', op: 'not', operand: { op: '==' } });
    expect(parseExpression('!a && b || c')).toMatchObject({
      op: 'or',
      left: { op: 'and', left: { op: 'not' } },
    });
    expect(parseExpression('1 + 2 * 3 > 6')).toMatchObject({
      op: '>',
      left: { op: '+', right: { op: '*' } },
    });
    expect(parseExpression('(1 + 2) * 3')).toMatchObject({ op: '*', left: { op: '+' } });
    expect(parseExpression('a - b - c')).toMatchObject({ op: '-', left: { op: '-' } });
    expect(parseExpression('-a * b')).toMatchObject({ op: '*', left: { type: 'unary', op: 'neg' } });
  });

  it('captures JMESPath after a single pipe, stopping at our operators', () => {
    expect(parseExpression('a.b | length(@) > 0 and c')).toMatchObject({
      op: 'and',
      left: { op: '>', left: { type: 'jmespath', source: 'length(@)', target: { segments: ['a', 'b'] } } },
    });
    expect(parseExpression("x | [?label == 'person'] == y")).toMatchObject({
      op: '==',
      left: { type: 'jmespath', source: "[?label == 'person']" },
    });
    expect(parseExpression('x | a || b')).toMatchObject({
      op: 'or',
      left: { type: 'jmespath', source: 'a' },
    });
    expect(parseExpression('x | (a || b)')).toMatchObject({ type: 'jmespath', source: '(a || b)' });
    expect(parseExpression('contains(x | [0], "y")')).toMatchObject({
      type: 'call',
      args: [{ type: 'jmespath', source: '[0]' }, { value: 'y' }],
    });
    expect(parseExpression('x | a | b')).toMatchObject({ type: 'jmespath', source: 'a | b' });
    expect(parseExpression('x | foo.and_more or y')).toMatchObject({
      op: 'or',
      left: { source: 'foo.and_more' },
    });
  });

  it('hands bracket forms that are not plain indexes to JMESPath', () => {
    expect(parseExpression("items[?label == 'person'].name")).toMatchObject({
      type: 'jmespath',
      source: "[?label == 'person'].name",
      target: { segments: ['items'] },
    });
    expect(parseExpression('items[*].id')).toMatchObject({ type: 'jmespath', source: '[*].id' });
    expect(parseExpression('items[0:2]')).toMatchObject({ type: 'jmespath', source: '[0:2]' });
  });

  it('parses function calls and list literals', () => {
    expect(parseExpression('any_in(labels, ["person", "dog"])')).toMatchObject({
      type: 'call',
      name: 'any_in',
      args: [{ type: 'path' }, { type: 'array', items: [{ value: 'person' }, { value: 'dog' }] }],
    });
    expect(parseExpression('[]')).toMatchObject({ type: 'array', items: [] });
    expect(parseExpression('max(1, 2, 3)')).toMatchObject({ args: [{}, {}, {}] });
  });

  it('accepts a condition wrapped in {{ }} and keeps positions in the original text', () => {
    expect(parseExpression('{{ a > 1 }}')).toMatchObject({ op: '>', pos: 3 });
    expect(parseError('{{ a > }}').position).toBe(9);
    expect(parseError('{{ a > ) }}').position).toBe(7);
  });

  it('reports parse errors with a position', () => {
    const error = parseError('a == (b and }');
    expect(error.code).toBe('parse');
    expect(error.message).toBe('unexpected "}" at 12');
    expect(error.position).toBe(12);
    expect(parseError('a ==').message).toBe('unexpected end of expression at 4');
    expect(parseError('a = 1').position).toBe(2);
    expect(parseError('"abc').message).toContain('unterminated string');
    expect(parseError('a.').position).toBe(2);
    expect(parseError('a |').message).toContain('expected a JMESPath expression');
    expect(parseError('and').position).toBe(0);
    expect(parseError('').position).toBe(0);
    expect(parseError('f(1,)').position).toBe(4);
  });

  it('reports JMESPath syntax errors at parse time', () => {
    const error = parseError('a | [?x ==');
    expect(error.code).toBe('jmespath');
    expect(error.position).toBe(4);
  });

  it('rejects unknown functions and wrong argument counts', () => {
    const unknown = parseError('lenght(a) > 1');
    expect(unknown.code).toBe('unknown_function');
    expect(unknown.message).toContain('did you mean length()');
    expect(parseError('contains(a)').code).toBe('type');
    expect(parseError('now()').code).toBe('unknown_function');
  });

  it('guards nesting depth and source length', () => {
    expect(() =>
      parseExpression('('.repeat(MAX_NESTING - 1) + '1' + ')'.repeat(MAX_NESTING - 1)),
    ).not.toThrow();
    expect(parseError('('.repeat(MAX_NESTING + 1) + '1' + ')'.repeat(MAX_NESTING + 1)).message).toContain(
      'nesting',
    );
    expect(parseError('not '.repeat(500) + 'a').message).toContain('nesting');
    expect(parseError('-'.repeat(500) + '1').message).toContain('nesting');
    expect(parseError('a'.repeat(MAX_SOURCE_LENGTH + 1)).position).toBe(MAX_SOURCE_LENGTH);
  });
});

describe('printExpression', () => {
  it.each([
    'a.b.0.c',
    'a["key with space"][-1]',
    'not a == b',
    '(not a) == b',
    '(a or b) and c',
    '1 - (2 - 3)',
    '-(a + b) * 2',
    'a.b | length(@) > 0 and c == true',
    '(x | a) + 1',
    "x | [?label == 'person']",
    'contains(keys(a), "b")',
    '(keys(a)).0',
  ])('round-trips %s', (source) => {
    const once = printExpression(parseExpression(source));
    expect(printExpression(parseExpression(once))).toBe(once);
  });
});
