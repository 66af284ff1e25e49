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

/** The time zone runs of this flow use (`system.timezone`, from KINFLOW_TIMEZONE), unless a step names one. */
export function flowTimeZone(data: Readonly<Record<string, unknown>>, own?: string): string {
  const system = data.system as { timezone?: unknown } | undefined;
  return own || (typeof system?.timezone === 'string' ? system.timezone : 'UTC');
}

const wallClocks = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock date and time of `at` in `timeZone`. */
export function wallClock(at: Date, timeZone: string) {
  let formatter = wallClocks.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    wallClocks.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(
    formatter.formatToParts(at).map((part) => [part.type, Number(part.value)]),
  );
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour! % 24,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** The instant a wall-clock time has in `timeZone` (the later one when a clock change repeats it). */
export function zonedInstant(
  local: { year: number; month: number; day: number; hour: number; minute: number },
  timeZone: string,
): Date {
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  const offset = (t: number) => {
    const w = wallClock(new Date(t), timeZone);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - t;
  };
  let instant = asUtc - offset(asUtc);
  if (offset(instant) !== offset(asUtc)) instant = asUtc - offset(instant);
  return new Date(instant);
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
