import type { AstOf, ExpressionAst } from './ast.js';
import { walkAst } from './ast.js';
import { ExpressionError, type ExpressionIssue, type ExpressionScope } from './errors.js';
import { arityProblem, FUNCTION_NAMES, isFunctionName } from './functions.js';
import { parseRaw } from './parser.js';
import { closest } from './suggest.js';
import { SYSTEM_KEYS } from './system.js';
import { parseTemplate } from './template.js';

/** Save-time check of a condition; an empty list means it parses and names only what the step can see. */
export function checkExpression(source: string, scope: ExpressionScope): ExpressionIssue[] {
  return checkSource(source, 0, scope);
}

/** Checks every `{{ … }}` of a template; single-brace context variables are resolved at run time only. */
export function checkTemplate(source: string, scope: ExpressionScope): ExpressionIssue[] {
  if (typeof source !== 'string')
    return [{ code: 'parse', message: 'template must be a string', position: 0 }];
  const { parts, unclosed } = parseTemplate(source);
  const issues: ExpressionIssue[] = unclosed.map((at) => ({
    code: 'parse',
    message: `unterminated "{{" at ${at}`,
    position: at,
  }));
  for (const part of parts) {
    if (part.kind === 'expr') issues.push(...checkSource(part.source, part.start, scope));
  }
  return issues.sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
}

/** Dotted paths an expression reads from the pipeline data, in order of appearance, without repeats. */
export function referencedPaths(source: string): string[] {
  const paths = new Set<string>();
  walkAst(parseRaw(source), (node) => {
    if (node.type === 'path' && node.base === null) paths.add(node.segments.join('.'));
  });
  return [...paths];
}

function checkSource(source: string, offset: number, scope: ExpressionScope): ExpressionIssue[] {
  let ast: ExpressionAst;
  try {
    ast = parseRaw(source, offset);
  } catch (error) {
    const e = error instanceof ExpressionError ? error : new ExpressionError('parse', String(error), offset);
    return [{ code: 'parse', message: e.message, position: e.position ?? offset }];
  }
  const issues: ExpressionIssue[] = [];
  walkAst(ast, (node) => {
    if (node.type === 'call') checkCall(node, issues);
    else if (node.type === 'path' && node.base === null) checkPath(node, scope, issues);
  });
  return issues;
}

function checkCall(node: AstOf<'call'>, issues: ExpressionIssue[]): void {
  if (!isFunctionName(node.name)) {
    const hint = closest(node.name, FUNCTION_NAMES);
    issues.push({
      code: 'unknown_function',
      message: `unknown function "${node.name}"${hint ? `; did you mean ${hint}()?` : ''}`,
      position: node.pos,
      ...(hint && { suggestion: hint }),
    });
    return;
  }
  const problem = arityProblem(node.name, node.args.length);
  if (problem) issues.push({ code: 'parse', message: problem, position: node.pos });
}

function checkPath(node: AstOf<'path'>, scope: ExpressionScope, issues: ExpressionIssue[]): void {
  const segments = node.segments.map(String);
  const [root, second, third] = segments;
  if (root === undefined) return;
  const dotted = segments.join('.');
  const fix = (index: number, replacement: string | undefined) =>
    replacement === undefined ? undefined : segments.map((s, i) => (i === index ? replacement : s)).join('.');
  if (root === 'steps') {
    if (second === undefined) return;
    if (!scope.stepKeys.includes(second) && scope.unavailableSteps) {
      const { self, later, elsewhere } = scope.unavailableSteps;
      const why =
        second === self
          ? 'is this step itself: its output exists only after it ran'
          : later.includes(second)
            ? 'runs after this step'
            : elsewhere.includes(second)
              ? 'is on another branch and does not run before this step'
              : undefined;
      if (why) {
        issues.push({
          code: 'unknown_step',
          message: `step "${second}" ${why}, so ${dotted} is not available here`,
          position: node.pos,
        });
        return;
      }
    }
    if (!scope.stepKeys.includes(second)) {
      const suggestion = fix(1, closest(second, scope.stepKeys));
      issues.push({
        code: 'unknown_step',
        message: `unknown step "${second}" in ${dotted}${suggestion ? `; did you mean ${suggestion}?` : ''}`,
        position: node.pos,
        ...(suggestion && { suggestion }),
      });
      return;
    }
    const fields = scope.stepFields;
    if (fields && third !== undefined && !fields.includes(third)) {
      const suggestion = fix(2, closest(third, fields) ?? (fields.length === 1 ? fields[0] : undefined));
      issues.push({
        code: 'unknown_path',
        message: `unknown field "${third}" in ${dotted}${suggestion ? `; did you mean ${suggestion}?` : ''}`,
        position: node.pos,
        ...(suggestion && { suggestion }),
      });
    }
    return;
  }
  if (!scope.knownRoots.includes(root)) {
    const suggestion = fix(0, closest(root, [...scope.knownRoots, 'steps']));
    issues.push({
      code: 'unknown_path',
      message: `unknown path "${dotted}"${suggestion ? `; did you mean ${suggestion}?` : ''}`,
      position: node.pos,
      ...(suggestion && { suggestion }),
    });
    return;
  }
  const payload = scope.triggerPayloadKeys;
  if (
    root === 'trigger' &&
    second === 'payload' &&
    third !== undefined &&
    payload &&
    !payload.keys.includes(third)
  ) {
    const suggestion =
      payload.suggest !== undefined
        ? segments.map((s, i) => (i === 2 ? `${payload.suggest}.${s}` : s)).join('.')
        : undefined;
    issues.push({
      code: 'unknown_path',
      message: `${dotted} is not in the ${payload.source} payload (it has ${payload.keys.join(', ')})${
        suggestion ? `; did you mean ${suggestion}?` : ''
      }`,
      position: node.pos,
      ...(suggestion && { suggestion }),
    });
    return;
  }
  if (root === 'system' && second !== undefined && !SYSTEM_KEYS.includes(second)) {
    const suggestion = fix(1, closest(second, SYSTEM_KEYS));
    issues.push({
      code: 'unknown_path',
      message: `unknown system value "${second}"${suggestion ? `; did you mean ${suggestion}?` : ''}`,
      position: node.pos,
      ...(suggestion && { suggestion }),
    });
  }
}
