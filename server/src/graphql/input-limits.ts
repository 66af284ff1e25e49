import { z } from 'zod';

import { GRAPH_LIMITS } from '../flows/graph-validation.js';

/** Size limits for flows and their inputs (README "Limits"); each failure names its field. */
export const FLOW_LIMITS = {
  stepsPerFlow: GRAPH_LIMITS.stepsPerFlow,
  edgesPerFlow: GRAPH_LIMITS.edgesPerFlow,
  keyLength: 64,
  labelLength: 200,
  /** One step's config, serialized. */
  configBytes: 64 * 1024,
  /** Test data and other JSON inputs, serialized (the same figure as the engine's trigger payload limit). */
  payloadBytes: 1024 * 1024,
  /** Nesting of objects and arrays in configs and payloads. */
  jsonDepth: 20,
} as const;

/** Depth of nested objects/arrays, measured without recursion (so deep input cannot overflow the stack). */
export function jsonDepth(value: unknown, stopAt: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    const level = depth + 1;
    deepest = Math.max(deepest, level);
    if (deepest > stopAt) return deepest;
    for (const child of Object.values(current)) stack.push([child, level]);
  }
  return deepest;
}

/** A JSON value at most `maxBytes` long when serialized and `maxDepth` deep. */
export function boundedJson(maxBytes: number, maxDepth: number = FLOW_LIMITS.jsonDepth) {
  return z.unknown().superRefine((value, ctx) => {
    if (jsonDepth(value, maxDepth) > maxDepth) {
      ctx.addIssue({ code: 'custom', message: `nested deeper than ${maxDepth} levels` });
      return;
    }
    const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
    if (bytes > maxBytes)
      ctx.addIssue({ code: 'custom', message: `larger than ${maxBytes} bytes (${bytes})` });
  });
}

export const boundedList = (max: number, what: string) =>
  z.array(z.unknown()).max(max, `at most ${max} ${what}`);
