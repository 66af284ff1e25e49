import { z } from 'zod';
import { evaluateCondition, evaluateExpression } from '../engine/expressions/index.js';
import { compare } from './shared-schemas.js';
import { defineStepType } from './step-type.js';

const TESTS = [
  '==',
  '!=',
  '>',
  '>=',
  '<',
  '<=',
  'contains',
  'not_contains',
  'exists',
  'not_exists',
  'truthy',
] as const;

export default defineStepType({
  type: 'response',
  category: 'condition',
  title: 'Check a result',
  description:
    'Parses and tests the result of an earlier step (a command’s output, a webhook’s reply …) and continues on true or false.',
  configSchema: z
    .object({
      step: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/)
        .describe('Key of the earlier step whose output is tested'),
      path: z
        .string()
        .max(500)
        .optional()
        .describe('Path inside that output, e.g. status or body.ok; the whole output when empty'),
      parse: z
        .enum(['none', 'json', 'number'])
        .default('none')
        .describe('Parse the value first: JSON text, or a number'),
      test: z.enum(TESTS).default('truthy').describe('How the value is tested'),
      value: z
        .union([z.string(), z.number(), z.boolean(), z.null()])
        .optional()
        .describe('What the value is compared with'),
      expression: z
        .string()
        .max(2000)
        .optional()
        .describe('Instead of test/value: an expression over the pipeline data, with the value as `value`'),
    })
    .strict(),
  ports: [
    { name: 'true', label: 'Passed' },
    { name: 'false', label: 'Failed' },
  ],
  writes: () => ['value', 'result'],
  run: ({ config, data }) => {
    const steps = data.steps as Record<string, { output?: unknown }> | undefined;
    const entry = steps?.[config.step];
    if (!entry)
      throw new Error(`step "${config.step}" has no result in this run (did it run before this one?)`);
    let value = config.path
      ? evaluateExpression(config.path, entry.output as Record<string, unknown>)
      : entry.output;
    value = parse(value, config.parse);
    const result = config.expression
      ? evaluateCondition(config.expression, { ...data, value })
      : check(value, config.test, config.value);
    return { output: { value, result }, ports: [result ? 'true' : 'false'] };
  },
});

function parse(value: unknown, how: 'none' | 'json' | 'number'): unknown {
  if (how === 'json' && typeof value === 'string') {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw new Error(`the result is not valid JSON: ${value.slice(0, 80)}`);
    }
  }
  if (how === 'number') {
    const number = typeof value === 'number' ? value : Number(String(value).trim());
    if (!Number.isFinite(number))
      throw new Error(`the result is not a number: ${String(value).slice(0, 80)}`);
    return number;
  }
  return value;
}

function check(value: unknown, test: (typeof TESTS)[number], expected: unknown): boolean {
  switch (test) {
    case 'exists':
      return value !== undefined && value !== null;
    case 'not_exists':
      return value === undefined || value === null;
    case 'truthy':
      return Boolean(value) && !(Array.isArray(value) && value.length === 0);
    case 'contains':
    case 'not_contains': {
      const found = Array.isArray(value)
        ? value.includes(expected)
        : String(value ?? '').includes(String(expected ?? ''));
      return test === 'contains' ? found : !found;
    }
    case '==':
    case '!=': {
      // Loose on numbers vs numeric text, since command output is text.
      const same = value === expected || (typeof expected === 'number' && Number(value) === expected);
      return test === '==' ? same : !same;
    }
    default: {
      const left = Number(value);
      const right = Number(expected);
      if (!Number.isFinite(left) || !Number.isFinite(right)) return false;
      return compare(left, test, right);
    }
  }
}
