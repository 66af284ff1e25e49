import type { StepTypeRegistry } from '../steps/registry.js';
import { checkExpression, checkTemplate, SYSTEM_KEYS, type ExpressionIssue } from './expressions/index.js';
import { ancestorsOf } from './graph.js';
import { RESERVED_ROOTS, TRIGGER_KEYS } from './pipeline-data.js';
import { EXPRESSION_FIELDS } from './runner.js';

export interface FlowExpressionIssue {
  stepKey: string;
  field: string;
  message: string;
  code: string;
}

interface DraftStep {
  key: string;
  type: string;
  config: unknown;
}

interface DraftEdge {
  source: string;
  target: string;
}

/** Extra names a step type's own expressions may use (response binds the tested value as `value`). */
const EXPRESSION_ROOTS: Record<string, string[]> = { response: ['value'] };

/**
 * Save-time check of every expression and template in a graph. A step may reference the steps it can
 * be reached from (its ancestors), the engine's roots, and the flat keys its ancestors' types write.
 */
export function checkFlowExpressions(
  steps: DraftStep[],
  edges: DraftEdge[],
  registry: StepTypeRegistry,
): FlowExpressionIssue[] {
  const issues: FlowExpressionIssue[] = [];
  const byKey = new Map(steps.map((step) => [step.key, step]));
  const reversed = edges.map((edge) => ({ source: edge.target, target: edge.source }));
  for (const step of steps) {
    const ancestors = ancestorsOf(step.key, edges).filter((key) => byKey.has(key));
    const later = ancestorsOf(step.key, reversed).filter((key) => byKey.has(key));
    const elsewhere = steps
      .map((other) => other.key)
      .filter((key) => key !== step.key && !ancestors.includes(key) && !later.includes(key));
    const flat = ancestors.flatMap((key) => writesOf(byKey.get(key)!, registry));
    // `steps.<key>.output` is the one field under a step, so `outputs` gets a suggestion.
    const scope = {
      stepKeys: ancestors,
      ...payloadShape(ancestors, byKey, registry),
      unavailableSteps: { self: step.key, later, elsewhere },
      knownRoots: [...RESERVED_ROOTS, ...flat],
      stepFields: ['output'],
    };
    const config =
      step.config && typeof step.config === 'object' ? (step.config as Record<string, unknown>) : {};
    const deferred = registry.get(step.type)?.deferredFields ?? [];
    const verbatim = registry.get(step.type)?.verbatimFields ?? [];
    for (const [field, value] of Object.entries(config)) {
      if (verbatim.includes(field)) continue;
      const isExpression = EXPRESSION_FIELDS.has(field);
      // A field the step renders itself per node (for_each_node's action) may use `node.*`.
      const fieldScope = deferred.includes(field)
        ? { ...scope, knownRoots: [...scope.knownRoots, 'node'] }
        : scope;
      walkStrings(value, `config.${field}`, (source, path) => {
        const found: ExpressionIssue[] = isExpression
          ? checkExpression(source, {
              ...scope,
              knownRoots: [...scope.knownRoots, ...(EXPRESSION_ROOTS[step.type] ?? [])],
            })
          : checkTemplate(source, fieldScope);
        for (const issue of found) issues.push(toIssue(step.key, path, issue));
      });
    }
    if (step.type === 'response' && typeof config.step === 'string' && !ancestors.includes(config.step)) {
      const target = config.step;
      const why =
        target === step.key
          ? 'is this step itself'
          : later.includes(target)
            ? 'runs after this step'
            : elsewhere.includes(target)
              ? 'is on another branch and does not run before this step'
              : 'is not a step of this flow';
      issues.push({
        stepKey: step.key,
        field: 'config.step',
        code: 'unknown_step',
        message: `step "${step.key}": config.step: step "${target}" ${why}`,
      });
    }
  }
  return issues;
}

/** What templates may reference at a step, for the editor's autocomplete. */
export function dataKeys(
  steps: DraftStep[],
  edges: DraftEdge[],
  stepKey: string,
  registry: StepTypeRegistry,
  options: { variables?: string[] } = {},
): string[] {
  const byKey = new Map(steps.map((step) => [step.key, step]));
  const keys = new Set<string>(['trigger', ...TRIGGER_KEYS.map((key) => `trigger.${key}`)]);
  keys.add('trigger.node.id');
  keys.add('trigger.node.name');
  keys.add('system');
  for (const key of SYSTEM_KEYS) keys.add(`system.${key}`);
  keys.add('vars');
  for (const name of options.variables ?? []) if (!name.startsWith('$')) keys.add(`vars.${name}`);
  const ancestors = ancestorsOf(stepKey, edges).filter((key) => byKey.has(key));
  const { triggerPayloadKeys } = payloadShape(ancestors, byKey, registry);
  for (const name of triggerPayloadKeys?.keys ?? []) keys.add(`trigger.payload.${name}`);
  for (const key of ancestors) {
    const writes = writesOf(byKey.get(key)!, registry);
    keys.add(`steps.${key}.output`);
    for (const name of writes) keys.add(`steps.${key}.output.${name}`);
    for (const name of writes) keys.add(name);
  }
  return [...keys];
}

/** The trigger payload shape at a step: known only when every trigger that can reach it declares one. */
function payloadShape(ancestors: string[], byKey: Map<string, DraftStep>, registry: StepTypeRegistry) {
  const triggers = ancestors
    .map((key) => byKey.get(key)!)
    .filter((step) => registry.get(step.type)?.category === 'trigger');
  const shapes = triggers.map((step) => ({ type: step.type, shape: registry.get(step.type)?.payload }));
  const first = shapes[0];
  if (!first?.shape || shapes.some((s) => s.type !== first.type)) return {};
  return {
    triggerPayloadKeys: {
      keys: first.shape.keys,
      source: `${first.type} trigger’s`,
      suggest: first.shape.suggest,
    },
  };
}

function writesOf(step: DraftStep, registry: StepTypeRegistry): string[] {
  const definition = registry.get(step.type);
  if (!definition?.writes) return [];
  const parsed = definition.configSchema.safeParse(step.config ?? {});
  if (!parsed.success) return [];
  try {
    return definition.writes(parsed.data);
  } catch {
    return [];
  }
}

function walkStrings(value: unknown, path: string, visit: (source: string, path: string) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((item, i) => walkStrings(item, `${path}[${i}]`, visit));
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) walkStrings(item, `${path}.${key}`, visit);
  }
}

function toIssue(stepKey: string, field: string, issue: ExpressionIssue): FlowExpressionIssue {
  // Positions are 0-based offsets inside the engine; people count columns from 1.
  let text = issue.message;
  if (issue.position !== undefined) {
    const column = `at column ${issue.position + 1}`;
    const inline = ` at ${issue.position}`;
    text = text.includes(inline) ? text.replace(inline, ` ${column}`) : `${text} (${column})`;
  }
  const hint =
    issue.suggestion && !issue.message.includes(issue.suggestion)
      ? ` (did you mean "${issue.suggestion}"?)`
      : '';
  return {
    stepKey,
    field,
    code: issue.code,
    message: `step "${stepKey}": ${field}: ${text}${hint}`,
  };
}
