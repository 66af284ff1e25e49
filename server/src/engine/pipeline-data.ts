import { buildSystemContext } from './expressions/index.js';

/** Top-level keys the engine owns; a step output never overwrites them when merged flat. */
export const RESERVED_ROOTS = ['trigger', 'system', 'vars', 'steps'] as const;
const RESERVED = new Set<string>(RESERVED_ROOTS);

/** Keys the engine always puts under `trigger`, for save-time checks and autocomplete. */
export const TRIGGER_KEYS = ['type', 'stepKey', 'payload', 'node', 'metric', 'value', 'firedAt', 'late'];

type Data = Record<string, unknown>;

/**
 * `trigger` = the payload's own keys, then the engine's: type, stepKey, payload, node {id, name},
 * metric and value (from the payload), firedAt, and `late` once a resumed wait was overdue.
 */
export function triggerContext(
  type: string,
  stepKey: string | null,
  payload: Data,
  firedAt: Date,
): Record<string, unknown> {
  const node = nodeOf(payload);
  return {
    ...payload,
    type,
    stepKey,
    payload,
    ...(node && { node }),
    metric: payload.metric,
    value: payload.value,
    firedAt: firedAt.toISOString(),
  };
}

function nodeOf(payload: Data): { id?: unknown; name?: unknown } | undefined {
  if (payload.node && typeof payload.node === 'object')
    return payload.node as { id?: unknown; name?: unknown };
  const id = payload.nodeId ?? payload.node_id;
  const name = payload.nodeName ?? payload.node_name;
  if (id === undefined && name === undefined) return undefined;
  return { id, name };
}

let systemCache: { second: number; timezone: string; value: Data } | undefined;

/** `system.*` has minute resolution at best; formatting it per run would cost more than the run. */
export function systemContext(now: Date, timezone: string): Data {
  const second = Math.floor(now.getTime() / 1000);
  if (systemCache?.second !== second || systemCache.timezone !== timezone) {
    systemCache = { second, timezone, value: Object.freeze(buildSystemContext(now, timezone)) as Data };
  }
  return systemCache.value;
}

export function initialData(trigger: Data, system: Data, vars: Data, triggerPayload: Data): Data {
  const data: Data = {};
  // The payload's keys are flat keys too (004's trigger context: {{room_name}}); they never shadow roots.
  for (const [key, value] of Object.entries(triggerPayload)) if (!RESERVED.has(key)) data[key] = value;
  data.trigger = trigger;
  data.system = system;
  data.vars = vars;
  data.steps = {};
  return data;
}

/** Records a step's output under steps.<key>.output and merges its keys flat into the pipeline data. */
export function mergeOutput(data: Data, stepKey: string, output: Data | undefined): void {
  (data.steps as Data)[stepKey] = { output: output ?? {} };
  if (!output) return;
  for (const key in output) if (!RESERVED.has(key)) data[key] = output[key];
}

/** HALO context variables for `{…}` placeholders; unknown ones are left out so they stay as written. */
export function contextVariables(data: Data, prevOutput: unknown): Data {
  const trigger = (data.trigger ?? {}) as Data;
  const node = (trigger.node ?? {}) as Data;
  const context: Data = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined && value !== null) context[key] = value;
  };
  set('node_id', node.id);
  set('node_name', node.name);
  set('metric', trigger.metric);
  set('value', trigger.value);
  set('threshold', data.threshold ?? trigger.threshold);
  set('operator', data.operator ?? trigger.operator);
  if (prevOutput !== undefined) {
    const result = (prevOutput as Data | null)?.result;
    set('prev_result', result !== undefined ? result : prevOutput);
  }
  return context;
}
