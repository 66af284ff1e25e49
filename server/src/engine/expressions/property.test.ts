import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExpressionAst } from './ast.js';
import {
  checkExpression,
  checkTemplate,
  evaluateCondition,
  evaluateExpression,
  ExpressionError,
  FUNCTION_NAMES,
  referencedPaths,
  renderConfig,
  renderTemplate,
  renderValue,
} from './index.js';
import { parseRaw } from './parser.js';
import { printExpression } from './printer.js';

const scope = { stepKeys: ['scene_1', 'logic_1'], knownRoots: ['trigger', 'system', 'steps', 'vars', 'a'] };

/** Fragments that look like the language, so random sequences get past the lexer and into the parser. */
const fragment = fc.constantFrom(
  'a',
  'b.c',
  'steps.scene_1.output',
  'x[0]',
  'y["k"]',
  '0',
  '1.5',
  '-',
  '"s"',
  "'t'",
  '(',
  ')',
  '[',
  ']',
  ',',
  '.',
  '|',
  '||',
  '&&',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '+',
  '*',
  '/',
  '!',
  'and',
  'or',
  'not',
  'true',
  'false',
  'null',
  'length(@)',
  '[?label == `1`]',
  '[*]',
  '@',
  'contains(',
  'exists(',
  'max(',
  'any_in(',
  'round(',
  'nope(',
  '{{',
  '}}',
  '{',
  '}',
  '`',
  '"',
  "'",
  '\\',
  ' ',
  'lower(',
  '[?',
  ':',
);
const languageLike = fc.array(fragment, { maxLength: 30 }).map((parts) => parts.join(''));
const anyString = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), languageLike);

/** Data shaped so generated paths sometimes resolve. */
const data = fc.oneof(
  fc.jsonValue(),
  fc.record({
    a: fc.jsonValue(),
    b: fc.record({ c: fc.jsonValue() }),
    x: fc.array(fc.jsonValue()),
    steps: fc.record({ scene_1: fc.record({ output: fc.jsonValue() }) }),
  }),
);

function onlyExpressionErrors(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    expect(['parse', 'unknown_function', 'type', 'jmespath']).toContain(error.code);
  }
}

describe('totality', () => {
  it('evaluateExpression returns a value or throws ExpressionError for any input', () => {
    fc.assert(
      fc.property(anyString, data, (source, input) => {
        onlyExpressionErrors(() => evaluateExpression(source, input));
        onlyExpressionErrors(() => evaluateCondition(source, input));
      }),
      { numRuns: 2000 },
    );
  });

  it('save-time checks never throw and positions stay inside the source', () => {
    fc.assert(
      fc.property(anyString, (source) => {
        for (const issue of [...checkExpression(source, scope), ...checkTemplate(source, scope)]) {
          expect(issue.position ?? 0).toBeGreaterThanOrEqual(0);
          expect(issue.position ?? 0).toBeLessThanOrEqual(source.length);
        }
        onlyExpressionErrors(() => referencedPaths(source));
      }),
      { numRuns: 1000 },
    );
  });

  it('renderTemplate always returns a string and renderValue never throws', () => {
    const template = fc.oneof(
      anyString,
      fc.array(fc.oneof(fragment, fc.string()), { maxLength: 20 }).map((p) => p.join('')),
    );
    fc.assert(
      fc.property(template, data, fc.dictionary(fc.string(), fc.jsonValue()), (source, input, context) => {
        expect(typeof renderTemplate(source, input, context)).toBe('string');
        renderValue(source, input, context);
        renderConfig({ source, list: [source] }, input, context);
      }),
      { numRuns: 1000 },
    );
  });

  it('a template without placeholders renders to itself', () => {
    fc.assert(
      fc.property(fc.string(), data, (source, input) => {
        fc.pre(!source.includes('{'));
        expect(renderTemplate(source, input)).toBe(source);
      }),
    );
  });

  it('resists deep nesting and long input without other errors', () => {
    for (const source of [
      '('.repeat(5000),
      '['.repeat(3000),
      'a | ' + '['.repeat(3000),
      'not '.repeat(999),
      'a'.repeat(5000),
    ]) {
      onlyExpressionErrors(() => evaluateExpression(source, {}));
      expect(checkExpression(source, scope)[0]?.code).toBe('parse');
    }
    const deep = Array.from({ length: 900 }, () => 'a').join(' + ');
    onlyExpressionErrors(() => evaluateExpression(deep, { a: 1 }));
    let nested: unknown = 1;
    for (let i = 0; i < 20000; i++) nested = [nested];
    onlyExpressionErrors(() => evaluateExpression('x == y', { x: nested, y: nested }));
  });
});

const KEYWORDS = new Set(['and', 'or', 'not', 'true', 'false', 'null']);
const identifier = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/).filter((name) => !KEYWORDS.has(name));
const segment = fc.oneof(
  identifier,
  fc.constantFrom('and', 'true', 'key with space', '0', '-1', ''),
  fc.string({ maxLength: 5 }),
  fc.nat({ max: 20 }),
  fc.integer({ min: -5, max: -1 }),
);
const jmesSource = fc.constantFrom(
  'length(@)',
  '[0]',
  "[?label == 'person']",
  'a.b',
  '[*].x | [0]',
  'keys(@)',
  '(a || b)',
  '@',
);
const literal = fc.oneof(
  fc.string({ maxLength: 8 }).map((value) => ({ type: 'literal', value }) as const),
  fc
    .oneof(fc.nat(), fc.double({ min: 0, max: 1e300, noNaN: true }).map(Math.abs))
    .map((value) => ({ type: 'literal', value }) as const),
  fc.constantFrom(true, false, null).map((value) => ({ type: 'literal', value }) as const),
);

type Node = Record<string, unknown>;
const ast = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    literal,
    fc.record({
      type: fc.constant('path'),
      base: fc.constant(null),
      segments: fc
        .tuple(identifier, fc.array(segment, { maxLength: 3 }))
        .map(([root, rest]) => [root, ...rest]),
    }),
    fc.record({
      type: fc.constant('path'),
      base: tie('node').filter((node) => node.type !== 'path'),
      segments: fc.array(segment, { minLength: 1, maxLength: 2 }),
    }),
    fc.record({ type: fc.constant('array'), items: fc.array(tie('node'), { maxLength: 3 }) }),
    fc.record({ type: fc.constant('unary'), op: fc.constantFrom('not', 'neg'), operand: tie('node') }),
    fc.record({
      type: fc.constant('binary'),
      op: fc.constantFrom('and', 'or', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/'),
      left: tie('node'),
      right: tie('node'),
    }),
    fc.record({
      type: fc.constant('call'),
      name: fc.oneof(fc.constantFrom(...FUNCTION_NAMES), identifier),
      args: fc.array(tie('node'), { maxLength: 3 }),
    }),
    fc.record({ type: fc.constant('jmespath'), target: tie('node'), source: jmesSource }),
  ),
})).node;

function withoutPositions(node: unknown): unknown {
  return JSON.parse(JSON.stringify(node, (key, value: unknown) => (key === 'pos' ? undefined : value)));
}

describe('printer', () => {
  it('parse(print(ast)) gives back the same AST', () => {
    fc.assert(
      fc.property(ast, (node) => {
        const source = printExpression(node as unknown as ExpressionAst);
        expect(withoutPositions(parseRaw(source))).toEqual(withoutPositions(node));
      }),
      { numRuns: 1000 },
    );
  });

  it('printed expressions evaluate without foreign errors', () => {
    fc.assert(
      fc.property(ast, data, (node, input) => {
        onlyExpressionErrors(() =>
          evaluateExpression(printExpression(node as unknown as ExpressionAst), input),
        );
      }),
      { numRuns: 1000 },
    );
  });
});
