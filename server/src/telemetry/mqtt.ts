import { randomBytes } from 'node:crypto';
import type Mqtt from 'mqtt';
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import type { RawReading } from './readings.js';
import type { TelemetrySink } from './intake.js';

/**
 * Topic scheme (prefix defaults to "kinflow"):
 *   <prefix>/<node>/<metric>        payload 21.5 | true/false/on/off | {"value": 21.5, "timestamp": "…"}
 *   <prefix>/<node>/events/<name>   custom node event; payload JSON (or text) becomes the event payload
 * <node> is a node id or name. Readings go through the same TelemetrySink.ingest as GraphQL and REST.
 */
export interface MqttIntakeOptions {
  url: string;
  sink: TelemetrySink;
  prefix?: string;
  /**
   * Subscription QoS. Default 1: a QoS 1 reading is acknowledged (PUBACK) only after it is committed,
   * so the broker redelivers whatever was in flight when Kinflow crashed or lost the connection.
   */
  qos?: 0 | 1;
  /**
   * Client id of a persistent session (clean: false): the broker keeps our subscriptions and queues
   * readings while we are away. Without one a random id and a clean session are used (tests).
   */
  clientId?: string;
  /**
   * With several Kinflow instances, a shared subscription ($share/<group>/…) hands each message to one
   * instance instead of all of them.
   */
  sharedGroup?: string;
  /**
   * Retained messages are ignored by default: on every (re)connect the broker replays them, and a value
   * from last week stamped "now" would be a lie.
   */
  acceptRetained?: boolean;
  /** Default 2000 ms. */
  reconnectPeriodMs?: number;
  /** Default 16 KiB. */
  maxPayloadBytes?: number;
  /**
   * Messages that arrive together are ingested as one batch of at most this many. Default 500. (With
   * acknowledgement after commit mqtt.js hands over the next message only once the previous one is
   * acknowledged, so batches are rarely larger than one message.)
   */
  maxBatch?: number;
  /** Readings waiting for the sink; beyond this, new ones are dropped and reported. Default 50 000. */
  maxQueued?: number;
  /** Extra client options (credentials, TLS, clientId). */
  clientOptions?: IClientOptions;
  /** A message that could not be used; the intake carries on. */
  onBadMessage?: (problem: BadMessage) => void;
  onStatus?: (status: 'connected' | 'offline' | 'reconnecting' | 'error', error?: Error) => void;
  /** Failures of the sink itself (the database, say). */
  onError?: (error: unknown) => void;
}

export interface BadMessage {
  topic: string;
  reason: string;
  field?: string;
}

export type ParsedTopic =
  | { kind: 'reading'; node: string; metric: string }
  | { kind: 'event'; node: string; name: string }
  | { kind: 'invalid'; reason: string };

export function parseTopic(topic: string, prefix: string): ParsedTopic {
  if (!topic.startsWith(prefix + '/')) return { kind: 'invalid', reason: `topic is outside ${prefix}/` };
  const levels = topic.slice(prefix.length + 1).split('/');
  if (levels.length === 2 && levels[1] !== 'events')
    return { kind: 'reading', node: levels[0]!, metric: levels[1]! };
  if (levels.length === 3 && levels[1] === 'events')
    return { kind: 'event', node: levels[0]!, name: levels[2]! };
  return { kind: 'invalid', reason: `expected ${prefix}/<node>/<metric> or ${prefix}/<node>/events/<name>` };
}

/** Turns a payload into the value/timestamp of a RawReading; the shared validation judges the rest. */
export function parseReadingPayload(
  text: string,
): { ok: true; value: unknown; timestamp?: unknown } | { ok: false; reason: string } {
  const trimmed = text.trim();
  const lower = trimmed.toLowerCase();
  if (lower === 'true' || lower === 'on') return { ok: true, value: true };
  if (lower === 'false' || lower === 'off') return { ok: true, value: false };
  if (!trimmed.startsWith('{')) return { ok: true, value: trimmed };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return { ok: false, reason: 'payload is not valid JSON' };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !('value' in parsed)) {
    return { ok: false, reason: 'a JSON payload needs a "value"' };
  }
  const { value, timestamp } = parsed as { value: unknown; timestamp?: unknown };
  return timestamp === undefined ? { ok: true, value } : { ok: true, value, timestamp };
}

function parseEventPayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

interface Queued {
  topic: string;
  reading: RawReading;
  committed: () => void;
  failed: (error: unknown) => void;
}

// mqtt.js is a sizeable share of a cold start and is only wanted with a broker (MQTT_URL): it is
// loaded when the intake starts, which connects in the background anyway.
let mqttLibrary: Promise<typeof Mqtt> | undefined;
const loadMqtt = () => (mqttLibrary ??= import('mqtt').then((module) => module.default));

export class MqttIntake {
  private client: MqttClient | null = null;
  private starting: Promise<void> | undefined;
  private queue: Queued[] = [];
  private draining: Promise<void> = Promise.resolve();
  private drainScheduled = false;
  /** The message being handled (mqtt.js hands over one at a time), so `stop` can let it finish. */
  private handling: Promise<void> = Promise.resolve();
  private stopping = false;
  private readonly prefix: string;
  private readyPromise: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (error: Error) => void;

  constructor(private readonly options: MqttIntakeOptions) {
    this.prefix = options.prefix ?? 'kinflow';
    this.readyPromise = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.readyPromise.catch(() => undefined);
  }

  /** Resolves once subscribed for the first time; the client keeps retrying until then. */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Connects in the background: an unreachable broker must not keep the server from starting. */
  start(): void {
    this.starting ??= loadMqtt().then(
      (mqtt) => {
        if (!this.stopping) this.connect(mqtt);
      },
      (error: unknown) => this.options.onStatus?.('error', error as Error),
    );
  }

  private connect(mqtt: typeof Mqtt): void {
    const persistent = this.options.clientId !== undefined;
    const client = mqtt.connect(this.options.url, {
      clientId: this.options.clientId ?? `kinflow-${randomBytes(6).toString('hex')}`,
      // A persistent session: after a crash the broker redelivers what we had not acknowledged.
      clean: !persistent,
      reconnectPeriod: this.options.reconnectPeriodMs ?? 2000,
      connectTimeout: 10_000,
      // We subscribe on every connect ourselves; the library's resubscribe would do it a second time.
      resubscribe: false,
      ...this.options.clientOptions,
    });
    this.client = client;
    // mqtt.js's public hook for acknowledging late: for QoS 1 it sends the PUBACK when `callback` is
    // called, and an error withholds it (the broker redelivers on the next connection). We call it
    // only once the reading is committed. The library waits for it before it hands over the next
    // message, so MQTT ingests one message per commit (measured in test/bench/telemetry.ts).
    client.handleMessage = (packet: IPublishPacket, callback: (error?: Error) => void) => {
      if (this.stopping) return; // no PUBACK: it stays the broker's to redeliver
      const handled = this.receive(packet.topic, Buffer.from(packet.payload), packet.retain);
      this.handling = handled.then(
        () => callback(),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    };
    const status = this.options.onStatus ?? (() => undefined);
    client.on('connect', () => {
      status('connected');
      const share = this.options.sharedGroup ? `$share/${this.options.sharedGroup}/` : '';
      const topics = [`${share}${this.prefix}/+/+`, `${share}${this.prefix}/+/events/+`];
      client.subscribe(topics, { qos: this.options.qos ?? 1 }, (error) => {
        if (error) status('error', error);
        else this.resolveReady();
      });
    });
    client.on('reconnect', () => status('reconnecting'));
    client.on('offline', () => status('offline'));
    client.on('error', (error) => status('error', error));
  }

  /** Commits and acknowledges the message in hand, then disconnects; later ones stay with the broker. */
  async stop(): Promise<void> {
    const wasStopping = this.stopping;
    this.stopping = true;
    await this.starting;
    const client = this.client;
    if (!client) {
      if (this.starting && !wasStopping) this.rejectReady(new Error('MQTT intake stopped'));
      return;
    }
    this.client = null;
    this.rejectReady(new Error('MQTT intake stopped'));
    this.scheduleDrain();
    await this.handling;
    await client.endAsync();
    await this.draining;
  }

  /** Resolves once the message is committed, or judged unusable (acknowledged too: it never will be). */
  private receive(topic: string, payload: Buffer, retained: boolean): Promise<void> {
    if (retained && !this.options.acceptRetained) return Promise.resolve();
    // An empty payload is how retained messages are cleared; it carries no reading.
    if (payload.length === 0) return Promise.resolve();
    if (payload.length > (this.options.maxPayloadBytes ?? 16 * 1024)) {
      return this.bad({ topic, reason: 'payload is too large' });
    }
    const parsed = parseTopic(topic, this.prefix);
    if (parsed.kind === 'invalid') return this.bad({ topic, reason: parsed.reason });
    const text = payload.toString('utf8');
    if (parsed.kind === 'event') {
      const input = { node: parsed.node, name: parsed.name, payload: parseEventPayload(text) };
      // Events ride the same queue so they stay in order with the node's readings.
      const delivered = this.draining.then(() => this.deliverEvent(topic, input));
      this.draining = delivered;
      return delivered;
    }
    const body = parseReadingPayload(text);
    if (!body.ok) return this.bad({ topic, reason: body.reason, field: 'value' });
    const reading: RawReading = { node: parsed.node, metric: parsed.metric, value: body.value };
    if (body.timestamp !== undefined) reading.timestamp = body.timestamp;
    if (this.queue.length >= (this.options.maxQueued ?? 50_000)) {
      // The sink cannot keep up (a stalled database?): shed load rather than grow without bound.
      return this.bad({ topic, reason: 'intake overloaded; reading dropped' });
    }
    return new Promise((committed, failed) => {
      this.queue.push({ topic, reading, committed, failed });
      this.scheduleDrain();
    });
  }

  /** Collects what arrives within one turn of the event loop into one batch: one transaction, one evaluation pass. */
  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.draining = this.draining.then(() => this.drain());
    });
  }

  private async drain(): Promise<void> {
    const maxBatch = this.options.maxBatch ?? 500;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, maxBatch);
      try {
        // Resolves after the commit: only then may the broker hear that these readings arrived.
        const result = await this.options.sink.ingest(batch.map((q) => q.reading));
        for (const rejection of result.rejected) {
          this.bad({
            topic: batch[rejection.index]!.topic,
            reason: rejection.reason,
            field: rejection.field,
          });
        }
        for (const queued of batch) queued.committed();
      } catch (error) {
        this.fail(error);
        for (const queued of batch) queued.failed(error);
      }
    }
  }

  private async deliverEvent(
    topic: string,
    input: { node: string; name: string; payload: unknown },
  ): Promise<void> {
    await this.drain(); // readings that came first are ingested first
    try {
      const result = await this.options.sink.nodeEvent(input);
      if (!result.ok) await this.bad({ topic, reason: result.reason, field: result.field });
    } catch (error) {
      this.fail(error);
    }
  }

  private bad(problem: BadMessage): Promise<void> {
    try {
      this.options.onBadMessage?.(problem);
    } catch (error) {
      this.fail(error);
    }
    return Promise.resolve();
  }

  private fail(error: unknown): void {
    (this.options.onError ?? ((e: unknown) => console.error('mqtt intake:', e)))(error);
  }
}
