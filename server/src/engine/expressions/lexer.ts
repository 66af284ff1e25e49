import { ExpressionError, describeToken } from './errors.js';

export type TokenType = 'num' | 'str' | 'ident' | 'op' | 'eof';

export interface Token {
  type: TokenType;
  /** Numbers for 'num', the decoded text for 'str', the operator or name otherwise. */
  value: string | number;
  start: number;
  end: number;
}

const TWO_CHAR_OPS = new Set(['==', '!=', '>=', '<=', '&&', '||']);
const ONE_CHAR_OPS = new Set(['(', ')', '[', ']', ',', '.', '>', '<', '!', '|', '+', '-', '*', '/']);
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0' };

export function isIdentStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

export function isIdentPart(code: number): boolean {
  return isIdentStart(code) || isDigit(code);
}

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

export function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

export function skipSpace(source: string, pos: number): number {
  while (pos < source.length && isSpace(source.charCodeAt(pos))) pos++;
  return pos;
}

export function unexpected(source: string, pos: number, text?: string): ExpressionError {
  const shown = text ?? source.slice(pos, pos + 1);
  return new ExpressionError('parse', `unexpected ${describeToken(shown)} at ${pos}`, pos);
}

/**
 * Lexes one token at `pos`. The parser drives the lexer position by position because what follows a `|`
 * is JMESPath, not our language, and because after a `.` a run of digits is an index (`a.0.b`), not a float.
 */
export function lex(source: string, pos: number, segment = false): Token {
  const start = skipSpace(source, pos);
  if (start >= source.length) return { type: 'eof', value: '', start, end: start };
  const code = source.charCodeAt(start);
  if (isIdentStart(code)) {
    let end = start + 1;
    while (end < source.length && isIdentPart(source.charCodeAt(end))) end++;
    return { type: 'ident', value: source.slice(start, end), start, end };
  }
  if (isDigit(code)) return segment ? lexIndex(source, start) : lexNumber(source, start);
  const quote = source[start];
  if (quote === '"' || quote === "'") return lexString(source, start);
  const two = source.slice(start, start + 2);
  if (TWO_CHAR_OPS.has(two)) return { type: 'op', value: two, start, end: start + 2 };
  const one = source[start] as string;
  if (ONE_CHAR_OPS.has(one)) return { type: 'op', value: one, start, end: start + 1 };
  throw unexpected(source, start);
}

function lexIndex(source: string, start: number): Token {
  let end = start;
  while (end < source.length && isDigit(source.charCodeAt(end))) end++;
  const value = Number(source.slice(start, end));
  if (!Number.isSafeInteger(value)) throw new ExpressionError('parse', `index too large at ${start}`, start);
  return { type: 'num', value, start, end };
}

function lexNumber(source: string, start: number): Token {
  let end = start;
  const digits = () => {
    while (end < source.length && isDigit(source.charCodeAt(end))) end++;
  };
  digits();
  if (source[end] === '.' && isDigit(source.charCodeAt(end + 1))) {
    end++;
    digits();
  }
  if (source[end] === 'e' || source[end] === 'E') {
    let next = end + 1;
    if (source[next] === '+' || source[next] === '-') next++;
    if (isDigit(source.charCodeAt(next))) {
      end = next;
      digits();
    }
  }
  const value = Number(source.slice(start, end));
  if (!Number.isFinite(value)) throw new ExpressionError('parse', `number out of range at ${start}`, start);
  return { type: 'num', value, start, end };
}

function lexString(source: string, start: number): Token {
  const quote = source[start];
  let out = '';
  let i = start + 1;
  while (i < source.length) {
    const ch = source[i] as string;
    if (ch === quote) return { type: 'str', value: out, start, end: i + 1 };
    if (ch !== '\\') {
      out += ch;
      i++;
      continue;
    }
    const next = source[i + 1];
    if (next === undefined) break;
    if (next === 'u') {
      const hex = source.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new ExpressionError('parse', `bad \\u escape at ${i}`, i);
      out += String.fromCharCode(parseInt(hex, 16));
      i += 6;
      continue;
    }
    // Unknown escapes keep the character, so '\.' or "\$" mean what a user expects.
    out += ESCAPES[next] ?? next;
    i += 2;
  }
  throw new ExpressionError('parse', `unterminated string starting at ${start}`, start);
}

/**
 * Index of the `}}` closing a `{{` whose content starts at `from`, or -1. Quotes and nested braces are
 * skipped so `{{ contains(a, "}}") }}` and a JMESPath hash `{{ x | {a: b} }}` close where the user meant.
 */
export function findTemplateClose(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"' || ch === "'" || ch === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== ch) j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) return -1;
      i = j;
    } else if (ch === '{') depth++;
    else if (ch === '}') {
      if (depth > 0) depth--;
      else if (text[i + 1] === '}') return i;
    }
  }
  return -1;
}
