import { z } from 'zod';

export const COMPARISON_OPERATORS = ['>', '>=', '<', '<=', '==', '!='] as const;
export const comparisonOperator = z.enum(COMPARISON_OPERATORS).describe('How the value is compared');
export const ALERT_LEVELS = ['emergency', 'warning', 'info', 'reminder'] as const;
export const alertLevel = z.enum(ALERT_LEVELS).describe('How urgent the alert is');

/** A string that may contain `{{ … }}` templates and HALO `{context}` variables. */
export const templateString = (description: string) => z.string().min(1).max(4000).describe(description);

/** Names of flow and global variables, for set_variable and the variables API alike. */
export const variableKey = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'letters, digits and _, starting with a letter or _ (at most 64)');

export function isValidTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** The payload of the trigger that started the run (a trigger step passes it through as its output). */
export function triggerPayload(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const trigger = data.trigger as { payload?: unknown } | undefined;
  const payload = trigger?.payload;
  return payload && typeof payload === 'object' && !Array.isArray(payload)
    ? (payload as Record<string, unknown>)
    : {};
}

export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

export function compare(left: unknown, operator: ComparisonOperator, right: unknown): boolean {
  switch (operator) {
    case '==':
      return left === right;
    case '!=':
      return left !== right;
    case '>':
      return (left as number) > (right as number);
    case '>=':
      return (left as number) >= (right as number);
    case '<':
      return (left as number) < (right as number);
    case '<=':
      return (left as number) <= (right as number);
  }
}
