/** Above this many characters a step output is stored as a truncated preview, so history cannot balloon. */
export const MAX_OUTPUT_CHARS = 64 * 1024;
/** The pipeline data of a run is stored in full up to this size; beyond it its step outputs are truncated. */
export const MAX_DATA_CHARS = 1024 * 1024;
const PREVIEW_CHARS = 4096;

export interface TruncatedMarker {
  _truncated: true;
  originalChars: number;
  preview: string;
}

/** JSON that never throws: cycles and BigInts become strings instead of failing the run. */
export function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    const seen = new WeakSet<object>();
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v && typeof v === 'object') {
        if (seen.has(v)) return '[circular]';
        seen.add(v);
      }
      return v;
    });
  }
}

export function truncatedMarker(json: string): TruncatedMarker {
  return { _truncated: true, originalChars: json.length, preview: json.slice(0, PREVIEW_CHARS) };
}

/** Serialises a step output for the timeline, replacing an oversized one with a marker. */
export function serializeOutput(output: unknown): string | null {
  if (output === undefined) return null;
  const json = safeStringify(output);
  return json.length > MAX_OUTPUT_CHARS ? JSON.stringify(truncatedMarker(json)) : json;
}

/** Replaces oversized values with markers, for the stored copy of the pipeline data. */
export function truncateValue(value: unknown, limit = MAX_OUTPUT_CHARS): unknown {
  const json = safeStringify(value);
  return json.length > limit ? truncatedMarker(json) : value;
}

/**
 * Serialises the pipeline data for flow_executions.data. The common small case is one stringify;
 * only an oversized one pays for truncating each top-level value and each step output.
 */
export function serializeData(data: Record<string, unknown>): string {
  const json = safeStringify(data);
  if (json.length <= MAX_DATA_CHARS) return json;
  const slim: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (key === 'steps' && value && typeof value === 'object') {
      const steps: Record<string, unknown> = {};
      for (const [stepKey, entry] of Object.entries(value as Record<string, { output?: unknown }>)) {
        steps[stepKey] = { ...entry, output: truncateValue(entry?.output) };
      }
      slim.steps = steps;
    } else {
      slim[key] = truncateValue(value);
    }
  }
  const slimJson = safeStringify(slim);
  return slimJson.length <= MAX_DATA_CHARS * 2 ? slimJson : JSON.stringify(truncatedMarker(slimJson));
}
