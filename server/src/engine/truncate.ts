/** Above this many characters a step output is stored as a truncated preview, so history cannot balloon. */
export const MAX_OUTPUT_CHARS = 64 * 1024;
/**
 * A trigger payload above this many characters (as JSON) is refused up front. The run's data itself is
 * always stored whole: a resumed run must read exactly what it would have read without a restart, so
 * only copies for display (timeline outputs) are ever truncated.
 */
export const MAX_PAYLOAD_CHARS = 1024 * 1024;
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

/** The pipeline data for flow_executions.data: whole, never truncated (a restart reads it back). */
export function serializeData(data: Record<string, unknown>): string {
  return safeStringify(data);
}
