import { TreeInterpreter, compile } from '@jmespath-community/jmespath';
import { ExpressionError } from './errors.js';
import { isIdentPart } from './lexer.js';
import { Lru } from './lru.js';

type JmesNode = ReturnType<typeof compile>;
type JmesValue = Parameters<typeof TreeInterpreter.search>[1];

const compiled = new Lru<string, JmesNode>(1000);
const STOP_PAIRS = new Set(['==', '!=', '<=', '>=', '&&', '||']);

/**
 * Finds where a JMESPath fragment that starts at `pos` ends: at the first of our own comparison or boolean
 * operators, `,`, or an unmatched closer, outside quotes and brackets. So `a | length(@) > 0` hands JMESPath
 * `length(@)`, while the `==` in `[?label == 'person']` stays JMESPath's. `||` and `&&` are ours at the top
 * level; inside parentheses they remain JMESPath's.
 */
export function scanJmesPath(source: string, pos: number): { text: string; start: number; end: number } {
  let depth = 0;
  let i = pos;
  scan: while (i < source.length) {
    const ch = source[i] as string;
    if (ch === "'" || ch === '"' || ch === '`') {
      i = skipQuoted(source, i);
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0) {
      if (ch === ',' || STOP_PAIRS.has(source.slice(i, i + 2))) break;
      if (ch === '<' || ch === '>') break;
      for (const word of ['and', 'or']) if (isWordAt(source, i, word)) break scan;
    }
    i++;
  }
  let start = pos;
  while (start < i && /\s/.test(source[start] as string)) start++;
  let end = i;
  while (end > start && /\s/.test(source[end - 1] as string)) end--;
  return { text: source.slice(start, end), start, end: i };
}

function skipQuoted(source: string, i: number): number {
  const quote = source[i];
  for (let j = i + 1; j < source.length; j++) {
    if (source[j] === '\\') j++;
    else if (source[j] === quote) return j + 1;
  }
  return source.length;
}

function isWordAt(source: string, i: number, word: string): boolean {
  if (!source.startsWith(word, i)) return false;
  const before = source[i - 1];
  if (before !== undefined && (isIdentPart(before.charCodeAt(0)) || before === '.' || before === '$'))
    return false;
  const after = source.charCodeAt(i + word.length);
  return Number.isNaN(after) || !isIdentPart(after);
}

/** Compiles (once per distinct source) so a syntax error surfaces when the expression is parsed. */
export function compileJmesPath(text: string, position: number): JmesNode {
  const cached = compiled.get(text);
  if (cached) return cached;
  try {
    const node = compile(text);
    compiled.set(text, node);
    return node;
  } catch (error) {
    // Arithmetic after a pipe belongs to JMESPath, whose numbers need backticks; point at the usual fix.
    const hint = /[-+*/]/.test(text)
      ? ' (to do arithmetic on a piped value, wrap it: (x | length(@)) + 1)'
      : '';
    throw new ExpressionError(
      'jmespath',
      `invalid JMESPath "${text}" at ${position}: ${message(error)}${hint}`,
      position,
    );
  }
}

/** Missing data stays missing: JMESPath is not run on null, so `steps.nope.output | length(@)` is null. */
export function applyJmesPath(text: string, position: number, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const node = compileJmesPath(text, position);
  try {
    return TreeInterpreter.search(node, value as JmesValue);
  } catch (error) {
    throw new ExpressionError('jmespath', `JMESPath "${text}" failed: ${message(error)}`, position);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
