import type { ExpressionAst } from './ast.js';
import { evaluateAst } from './evaluate.js';
import { findTemplateClose, isIdentPart, isIdentStart } from './lexer.js';
import { Lru } from './lru.js';
import { parseExpression } from './parser.js';
import { isRecord, toText } from './values.js';

export type TemplatePart =
  | { kind: 'text'; text: string }
  /** `ast` is null when the expression does not parse; the placeholder then renders as written. */
  | { kind: 'expr'; raw: string; source: string; start: number; ast: ExpressionAst | null }
  | { kind: 'var'; raw: string; name: string };

export interface ParsedTemplate {
  parts: TemplatePart[];
  /** Offsets of `{{` with no matching `}}`; they render as text, the checker reports them. */
  unclosed: number[];
}

const templates = new Lru<string, ParsedTemplate>(1000);

export function parseTemplate(template: string): ParsedTemplate {
  const cached = templates.get(template);
  if (cached) return cached;
  const parsed = scan(template);
  templates.set(template, parsed);
  return parsed;
}

function scan(template: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const unclosed: number[] = [];
  let textStart = 0;
  let i = 0;
  const flushText = (end: number) => {
    if (end > textStart) parts.push({ kind: 'text', text: template.slice(textStart, end) });
  };
  for (let open = template.indexOf('{', i); open >= 0; open = template.indexOf('{', i)) {
    if (template[open + 1] === '{') {
      const close = findTemplateClose(template, open + 2);
      if (close < 0) {
        unclosed.push(open);
        i = open + 2;
        continue;
      }
      flushText(open);
      const source = template.slice(open + 2, close);
      parts.push({
        kind: 'expr',
        raw: template.slice(open, close + 2),
        source,
        start: open + 2,
        ast: tryParse(source),
      });
      i = textStart = close + 2;
      continue;
    }
    const end = contextVariableEnd(template, open + 1);
    if (end > 0) {
      flushText(open);
      parts.push({ kind: 'var', raw: template.slice(open, end + 1), name: template.slice(open + 1, end) });
      i = textStart = end + 1;
      continue;
    }
    i = open + 1;
  }
  flushText(template.length);
  return { parts, unclosed };
}

/** Index of the `}` closing a plain `{identifier}`, or -1 for anything else (`{ x }`, `{a.b}`, JSON). */
function contextVariableEnd(template: string, from: number): number {
  if (!isIdentStart(template.charCodeAt(from))) return -1;
  let i = from + 1;
  while (i < template.length && isIdentPart(template.charCodeAt(i))) i++;
  return template[i] === '}' ? i : -1;
}

function tryParse(source: string): ExpressionAst | null {
  try {
    return parseExpression(source);
  } catch {
    return null;
  }
}

const UNRESOLVED = Symbol('unresolved');

/** A template must always render, so any failure means "leave the placeholder as written". */
function resolvePart(
  part: TemplatePart,
  data: unknown,
  context: Record<string, unknown> | undefined,
): unknown {
  if (part.kind === 'expr') {
    if (!part.ast) return UNRESOLVED;
    try {
      const value = evaluateAst(part.ast, data);
      return value === null || value === undefined ? UNRESOLVED : value;
    } catch {
      return UNRESOLVED;
    }
  }
  if (part.kind === 'var') {
    if (!context || !Object.prototype.hasOwnProperty.call(context, part.name)) return UNRESOLVED;
    const value = context[part.name];
    return value === null || value === undefined ? UNRESOLVED : value;
  }
  return part.text;
}

export function renderTemplate(template: string, data: unknown, context?: Record<string, unknown>): string {
  if (typeof template !== 'string') return toText(template);
  if (!template.includes('{')) return template;
  let out = '';
  for (const part of parseTemplate(template).parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const value = resolvePart(part, data, context);
    out += value === UNRESOLVED ? part.raw : toText(value);
  }
  return out;
}

/** A string that is exactly one placeholder yields the raw value, so `"{{ count }}"` stays a number. */
export function renderValue(template: string, data: unknown, context?: Record<string, unknown>): unknown {
  if (typeof template !== 'string' || !template.includes('{')) return template;
  const { parts } = parseTemplate(template);
  const only = parts[0];
  if (parts.length === 1 && only && only.kind !== 'text') {
    const value = resolvePart(only, data, context);
    return value === UNRESOLVED ? template : value;
  }
  return renderTemplate(template, data, context);
}

/** Renders every string in a JSON-like value; untouched branches are returned as the same objects. */
export function renderConfig<T>(config: T, data: unknown, context?: Record<string, unknown>): T {
  const ancestors = new Set<object>();
  const visit = (value: unknown): unknown => {
    if (typeof value === 'string') return renderValue(value, data, context);
    if (typeof value !== 'object' || value === null || ancestors.has(value)) return value;
    if (!Array.isArray(value) && !isPlainObject(value)) return value;
    ancestors.add(value);
    try {
      if (Array.isArray(value)) {
        const mapped = value.map(visit);
        return mapped.some((item, index) => item !== value[index]) ? mapped : value;
      }
      let changed = false;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        const next = visit(item);
        if (next !== item) changed = true;
        // A JSON `__proto__` key is data; plain assignment would swap the prototype instead.
        if (key === '__proto__')
          Object.defineProperty(out, key, {
            value: next,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        else out[key] = next;
      }
      return changed ? out : value;
    } finally {
      ancestors.delete(value);
    }
  };
  return visit(config) as T;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
