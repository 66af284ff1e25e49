import { ExpressionError } from './errors.js';
import { isRecord, jsonEqual, typeName } from './values.js';

interface FunctionSpec {
  min: number;
  /** Infinity for variadic functions. */
  max: number;
  call(args: unknown[], position: number): unknown;
}

function typeError(name: string, value: unknown, expected: string, position: number): ExpressionError {
  return new ExpressionError(
    'type',
    `${name}() expects ${expected}, got ${typeName(value)} at ${position}`,
    position,
  );
}

/** Scalars become text; null stays null so callers can decide; lists and objects are a type error. */
function scalarText(name: string, value: unknown, position: number): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw typeError(name, value, 'a string', position);
}

function numberArg(name: string, value: unknown, position: number): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  throw typeError(name, value, 'a number', position);
}

function contains(haystack: unknown, needle: unknown, fold: boolean): boolean {
  const norm = (value: unknown) => (fold && typeof value === 'string' ? value.toLowerCase() : value);
  if (typeof haystack === 'string') {
    if (needle === null || needle === undefined || typeof needle === 'object') return false;
    return (norm(haystack) as string).includes(norm(String(needle)) as string);
  }
  if (Array.isArray(haystack)) {
    const wanted = norm(needle);
    return haystack.some((item) => jsonEqual(norm(item), wanted));
  }
  // A dict contains its keys, as Python's `in` does.
  if (isRecord(haystack) && typeof needle === 'string') {
    if (!fold) return Object.prototype.hasOwnProperty.call(haystack, needle);
    const wanted = needle.toLowerCase();
    return Object.keys(haystack).some((key) => key.toLowerCase() === wanted);
  }
  return false;
}

function extreme(name: string, args: unknown[], position: number, pick: (a: number) => boolean): unknown {
  const first = args[0];
  const items = (args.length === 1 && Array.isArray(first) ? first : args).filter(
    (v) => v !== null && v !== undefined,
  );
  if (items.length === 0) return null;
  const kind = typeof items[0];
  if ((kind !== 'number' && kind !== 'string') || items.some((v) => typeof v !== kind)) {
    throw new ExpressionError(
      'type',
      `${name}() expects numbers or strings of one type at ${position}`,
      position,
    );
  }
  let best = items[0] as number | string;
  for (const item of items) {
    const candidate = item as number | string;
    if (pick(candidate < best ? -1 : candidate > best ? 1 : 0)) best = candidate;
  }
  return best;
}

function roundHalfAway(value: number, digits: number): number {
  const magnitude = Math.abs(value);
  // Shifting through the decimal exponent avoids 1.005 * 100 = 100.49999 style surprises.
  let rounded = Number(`${Math.round(Number(`${magnitude}e${digits}`))}e-${digits}`);
  if (!Number.isFinite(rounded)) rounded = Math.round(magnitude * 10 ** digits) / 10 ** digits;
  return Math.sign(value) * rounded;
}

const FUNCTIONS: Record<string, FunctionSpec> = {
  contains: { min: 2, max: 2, call: ([h, n]) => contains(h, n, false) },
  icontains: { min: 2, max: 2, call: ([h, n]) => contains(h, n, true) },
  length: {
    min: 1,
    max: 1,
    call: ([value], position) => {
      if (value === null || value === undefined) return 0;
      if (typeof value === 'string') return [...value].length;
      if (Array.isArray(value)) return value.length;
      if (isRecord(value)) return Object.keys(value).length;
      throw typeError('length', value, 'a string, list or object', position);
    },
  },
  lower: { min: 1, max: 1, call: ([v], p) => scalarText('lower', v, p)?.toLowerCase() ?? null },
  upper: { min: 1, max: 1, call: ([v], p) => scalarText('upper', v, p)?.toUpperCase() ?? null },
  keys: {
    min: 1,
    max: 1,
    call: ([value], position) => {
      if (value === null || value === undefined) return [];
      if (isRecord(value)) return Object.keys(value);
      throw typeError('keys', value, 'an object', position);
    },
  },
  values: {
    min: 1,
    max: 1,
    call: ([value], position) => {
      if (value === null || value === undefined) return [];
      if (isRecord(value)) return Object.values(value);
      throw typeError('values', value, 'an object', position);
    },
  },
  exists: { min: 1, max: 1, call: ([value]) => value !== null && value !== undefined },
  any_in: {
    min: 2,
    max: 2,
    call: ([list, candidates]) => {
      if (list === null || list === undefined || candidates === null || candidates === undefined)
        return false;
      const items = Array.isArray(list) ? list : [list];
      const pool = Array.isArray(candidates)
        ? candidates
        : isRecord(candidates)
          ? Object.keys(candidates)
          : [candidates];
      return items.some((item) => pool.some((candidate) => jsonEqual(item, candidate)));
    },
  },
  starts_with: {
    min: 2,
    max: 2,
    call: ([s, prefix], p) => {
      const text = scalarText('starts_with', s, p);
      const start = scalarText('starts_with', prefix, p);
      return text !== null && start !== null && text.startsWith(start);
    },
  },
  ends_with: {
    min: 2,
    max: 2,
    call: ([s, suffix], p) => {
      const text = scalarText('ends_with', s, p);
      const end = scalarText('ends_with', suffix, p);
      return text !== null && end !== null && text.endsWith(end);
    },
  },
  number: {
    min: 1,
    max: 1,
    call: ([value]) => {
      if (typeof value === 'number') return value;
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (typeof value !== 'string' || value.trim() === '') return null;
      const parsed = Number(value.trim());
      return Number.isFinite(parsed) ? parsed : null;
    },
  },
  string: {
    min: 1,
    max: 1,
    call: ([value]) => {
      if (value === null || value === undefined) return '';
      if (typeof value === 'object') {
        try {
          return JSON.stringify(value) ?? '';
        } catch {
          return '';
        }
      }
      return String(value);
    },
  },
  abs: {
    min: 1,
    max: 1,
    call: ([value], p) => {
      const n = numberArg('abs', value, p);
      return n === null ? null : Math.abs(n);
    },
  },
  min: { min: 1, max: Infinity, call: (args, p) => extreme('min', args, p, (order) => order < 0) },
  max: { min: 1, max: Infinity, call: (args, p) => extreme('max', args, p, (order) => order > 0) },
  round: {
    min: 1,
    max: 2,
    call: ([value, digits], p) => {
      const n = numberArg('round', value, p);
      const d = digits === undefined ? 0 : numberArg('round', digits, p);
      if (d === null || !Number.isInteger(d) || d < 0 || d > 15) {
        throw new ExpressionError('type', `round() digits must be an integer from 0 to 15 at ${p}`, p);
      }
      return n === null ? null : roundHalfAway(n, d);
    },
  },
};

export const FUNCTION_NAMES: readonly string[] = Object.freeze(Object.keys(FUNCTIONS));

export function isFunctionName(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(FUNCTIONS, name);
}

/** Null when the call has an acceptable number of arguments, otherwise why not. */
export function arityProblem(name: string, count: number): string | null {
  const spec = FUNCTIONS[name];
  if (!spec || (count >= spec.min && count <= spec.max)) return null;
  const expected =
    spec.max === Infinity
      ? `at least ${spec.min} argument${spec.min === 1 ? '' : 's'}`
      : spec.min === spec.max
        ? `${spec.min} argument${spec.min === 1 ? '' : 's'}`
        : `${spec.min} to ${spec.max} arguments`;
  return `${name}() takes ${expected}, got ${count}`;
}

export function callFunction(name: string, args: unknown[], position: number): unknown {
  if (!isFunctionName(name)) {
    throw new ExpressionError('unknown_function', `unknown function "${name}" at ${position}`, position);
  }
  const problem = arityProblem(name, args.length);
  if (problem) throw new ExpressionError('type', `${problem} at ${position}`, position);
  return (FUNCTIONS[name] as FunctionSpec).call(args, position);
}
