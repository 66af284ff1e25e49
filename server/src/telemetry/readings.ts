/**
 * Validation of incoming telemetry batches. Every intake (GraphQL, REST, MQTT) goes through
 * `parseReadings`, so a reading is judged the same way whichever door it came in by. A bad reading is
 * rejected on its own with a reason naming the field; the rest of the batch is kept.
 */

/** What the node directory knows about a node; enough for trigger selectors and HALO context. */
export interface NodeRef {
  id: string;
  name: string;
  kind: string;
  tags: readonly string[];
}

/** Resolves a node given by id or by name. */
export interface NodeLookup {
  find(idOrName: string): NodeRef | undefined;
}

/** One reading as a client sends it; validated field by field. */
export interface RawReading {
  node?: unknown;
  metric?: unknown;
  value?: unknown;
  timestamp?: unknown;
}

/** A validated reading of a known node. */
export interface Reading {
  nodeId: string;
  metric: string;
  value: number;
  recordedAt: Date;
}

/**
 * A validated reading as parsed. `node` is null when the node is unknown and auto-registration is on:
 * the intake registers `nodeName` first and then fills in the id.
 */
export interface ParsedReading {
  index: number;
  node: NodeRef | null;
  nodeName: string;
  metric: string;
  value: number;
  recordedAt: Date;
}

export type ReadingField = 'reading' | 'node' | 'metric' | 'value' | 'timestamp';

export interface Rejection {
  index: number;
  field: ReadingField;
  reason: string;
}

export interface ParseOptions {
  now: Date;
  nodes: NodeLookup;
  autoRegister: boolean;
  /** How far ahead of `now` a timestamp may be (clock skew between sensor and server). Default 5 min. */
  maxFutureMs?: number;
}

export interface ParseResult {
  accepted: ParsedReading[];
  rejected: Rejection[];
  /** Names of unknown nodes that readings refer to (only with autoRegister), each once. */
  newNodes: string[];
}

export const METRIC_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
const NODE_REF_MAX_LENGTH = 200;
/** Anything older is a sensor with an unset clock, not history worth keeping. */
export const EARLIEST_TIMESTAMP = Date.UTC(2000, 0, 1);
const DEFAULT_MAX_FUTURE_MS = 5 * 60_000;

// Strict decimal notation only: Number() would also take '0x1F', '' and '  ', which no sensor means.
const NUMERIC_STRING = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
// An offset is required: "10:00" without one is local time of a machine we know nothing about.
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

class Reject extends Error {
  constructor(
    readonly field: ReadingField,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export function parseReadings(batch: readonly unknown[], options: ParseOptions): ParseResult {
  const accepted: ParsedReading[] = [];
  const rejected: Rejection[] = [];
  const newNodes = new Set<string>();
  batch.forEach((raw, index) => {
    try {
      const reading = parseOne(raw, index, options);
      if (!reading.node) newNodes.add(reading.nodeName);
      accepted.push(reading);
    } catch (error) {
      if (!(error instanceof Reject)) throw error;
      rejected.push({ index, field: error.field, reason: error.reason });
    }
  });
  return { accepted, rejected, newNodes: [...newNodes] };
}

function parseOne(raw: unknown, index: number, options: ParseOptions): ParsedReading {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Reject('reading', 'a reading must be an object with node, metric and value');
  }
  const { node: nodeRef, metric, value, timestamp } = raw as RawReading;
  const { node, nodeName } = parseNode(nodeRef, options);
  return {
    index,
    node,
    nodeName,
    metric: parseMetric(metric),
    value: parseValue(value),
    recordedAt: parseTimestamp(timestamp, options),
  };
}

function parseNode(ref: unknown, options: ParseOptions): { node: NodeRef | null; nodeName: string } {
  if (typeof ref !== 'string' || ref.trim() === '') {
    throw new Reject('node', 'node must be a node id or name');
  }
  if (ref.length > NODE_REF_MAX_LENGTH) {
    throw new Reject('node', `node must be at most ${NODE_REF_MAX_LENGTH} characters`);
  }
  const node = options.nodes.find(ref) ?? options.nodes.find(ref.trim());
  if (node) return { node, nodeName: node.name };
  if (!options.autoRegister) {
    throw new Reject('node', `unknown node "${ref}" (auto-registration is off)`);
  }
  return { node: null, nodeName: ref.trim() };
}

function parseMetric(metric: unknown): string {
  if (typeof metric !== 'string' || !METRIC_PATTERN.test(metric)) {
    throw new Reject('metric', 'metric must be 1-64 characters of letters, digits, "_", ".", ":" or "-"');
  }
  return metric;
}

/** Booleans become 1/0 so door contacts and motion sensors work with the same numeric triggers. */
export function parseValue(value: unknown): number {
  let number: number;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'boolean') number = value ? 1 : 0;
  else if (typeof value === 'string' && NUMERIC_STRING.test(value.trim())) number = Number(value.trim());
  else if (value === undefined || value === null) throw new Reject('value', 'value is required');
  else throw new Reject('value', 'value must be a number, a boolean or a numeric string');
  if (!Number.isFinite(number))
    throw new Reject('value', 'value must be a finite number (not NaN or Infinity)');
  return number;
}

function parseTimestamp(timestamp: unknown, options: ParseOptions): Date {
  if (timestamp === undefined || timestamp === null) return options.now;
  let ms: number;
  if (typeof timestamp === 'number') {
    if (!Number.isFinite(timestamp)) throw new Reject('timestamp', 'timestamp must be a finite number');
    ms = timestamp;
  } else if (typeof timestamp === 'string') {
    if (!ISO_TIMESTAMP.test(timestamp)) {
      throw new Reject(
        'timestamp',
        'timestamp must be ISO 8601 with a time zone (e.g. 2026-01-31T09:00:00Z)',
      );
    }
    ms = Date.parse(timestamp);
    if (Number.isNaN(ms) || !isCalendarDate(timestamp)) {
      throw new Reject('timestamp', `"${timestamp}" is not a real date`);
    }
  } else {
    throw new Reject('timestamp', 'timestamp must be an ISO 8601 string or epoch milliseconds');
  }
  if (ms < EARLIEST_TIMESTAMP) {
    // Epoch seconds are the common mistake; say so rather than leave the client guessing.
    const asSeconds = typeof timestamp === 'number' ? timestamp * 1000 : NaN;
    const plausible = asSeconds >= EARLIEST_TIMESTAMP && asSeconds <= options.now.getTime() + 86_400_000;
    const hint = plausible ? ' (epoch seconds? send ms)' : '';
    throw new Reject('timestamp', `timestamp is before 2000-01-01${hint}`);
  }
  const maxFuture = options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS;
  if (ms > options.now.getTime() + maxFuture) {
    throw new Reject('timestamp', `timestamp is more than ${Math.round(maxFuture / 1000)} s in the future`);
  }
  return new Date(ms);
}

/** V8 quietly turns 2026-02-30 into March 2; a sensor sending that has a bug worth reporting. */
function isCalendarDate(iso: string): boolean {
  const [year, month, day] = iso.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
