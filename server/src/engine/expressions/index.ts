import type { ExpressionAst } from './ast.js';
import { ExpressionError, type ExpressionIssue, type ExpressionScope } from './errors.js';
import { evaluateAst } from './evaluate.js';
import { Lru } from './lru.js';
import { parseExpression } from './parser.js';
import { truthy } from './values.js';

export { ExpressionError } from './errors.js';
export { parseExpression } from './parser.js';
export { renderTemplate, renderValue, renderConfig, parseTemplate } from './template.js';
export { checkExpression, checkTemplate, referencedPaths } from './check.js';
export { FUNCTION_NAMES } from './functions.js';
export { SYSTEM_KEYS, buildSystemContext } from './system.js';
export type { ExpressionAst, ExpressionIssue, ExpressionScope };

// Failures are cached too: a broken condition on a hot flow should not be re-parsed on every run.
const parsed = new Lru<string, ExpressionAst | ExpressionError>(1000);

function compiled(source: string): ExpressionAst {
  let entry = parsed.get(source);
  if (entry === undefined) {
    try {
      entry = parseExpression(source);
    } catch (error) {
      entry = asExpressionError(error);
    }
    if (typeof source === 'string') parsed.set(source, entry);
  }
  if (entry instanceof ExpressionError) throw new ExpressionError(entry.code, entry.message, entry.position);
  return entry;
}

function asExpressionError(error: unknown): ExpressionError {
  if (error instanceof ExpressionError) return error;
  if (error instanceof RangeError) return new ExpressionError('type', 'data too deeply nested to evaluate');
  const message = error instanceof Error ? error.message : String(error);
  return new ExpressionError('type', `evaluation failed: ${message}`);
}

/** Evaluates against the pipeline data. Returns a value or throws ExpressionError, for any input. */
export function evaluateExpression(source: string, data: unknown): unknown {
  const ast = compiled(source);
  try {
    return evaluateAst(ast, data);
  } catch (error) {
    throw asExpressionError(error);
  }
}

/** Truthiness as in JavaScript, except that empty lists and objects are false. */
export function evaluateCondition(source: string, data: unknown): boolean {
  return truthy(evaluateExpression(source, data));
}
