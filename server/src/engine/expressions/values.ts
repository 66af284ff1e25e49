import { ExpressionError } from './errors.js';
import type { PathSegment } from './ast.js';

const hasOwn = Object.prototype.hasOwnProperty;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value === 'object' ? 'object' : typeof value;
}

/**
 * One path step. Only own properties are visible, so `a.constructor` or `a.__proto__` read nothing, and
 * a string that looks like a number indexes an array (`a["0"]`), counting from the end when negative.
 */
export function getSegment(value: unknown, segment: PathSegment): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    let index = typeof segment === 'number' ? segment : /^-?\d+$/.test(segment) ? Number(segment) : NaN;
    if (!Number.isSafeInteger(index)) return undefined;
    if (index < 0) index += value.length;
    return index >= 0 && index < value.length ? value[index] : undefined;
  }
  const key = String(segment);
  return hasOwn.call(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/** Like JavaScript, except that empty lists and objects are false (as in the Python original). */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isRecord(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

/** Strict equality on JSON values, structural for lists and objects; undefined counts as null. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    for (const key of keys) if (!hasOwn.call(b, key) || !jsonEqual(a[key], b[key])) return false;
    return true;
  }
  return false;
}

/** Numbers order numerically, strings by code unit; anything else (including mixed types) is unordered. */
export function compareValues(op: '<' | '<=' | '>' | '>=', a: unknown, b: unknown): boolean {
  const orderable =
    (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  if (!orderable) return false;
  const x = a as number | string;
  const y = b as number | string;
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
  }
}

export function arithmetic(op: '+' | '-' | '*' | '/', a: unknown, b: unknown, position: number): unknown {
  // Missing data propagates instead of failing, like a missing path does.
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (typeof a !== 'number' || typeof b !== 'number') {
    throw new ExpressionError(
      'type',
      `cannot apply "${op}" to ${typeName(a)} and ${typeName(b)} at ${position}`,
      position,
    );
  }
  if (op === '/' && b === 0) throw new ExpressionError('type', `division by zero at ${position}`, position);
  const result = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
  if (!Number.isFinite(result))
    throw new ExpressionError('type', `number out of range at ${position}`, position);
  return result;
}

/** How a value reads inside a rendered string: strings bare, lists and objects as JSON. */
export function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value) ?? '';
    } catch {
      // Cycles and BigInts cannot be JSON; a template must still render.
      return Array.isArray(value) ? '[list]' : '[object]';
    }
  }
  return String(value);
}
