import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventTransport, eventSerializer, type EventTransport } from './event-transport.js';

type Topics = { execution: [{ runId: string; at: Date }] };

const REDIS_URL = process.env.KINFLOW_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisReachable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

const reachable = await redisReachable();
if (!reachable && process.env.CI === 'true') throw new Error(`Redis is required in CI (${REDIS_URL})`);
if (!reachable) console.warn(`skipping Redis event transport tests: no Redis at ${REDIS_URL}`);

describe('eventSerializer', () => {
  it('keeps Dates as Dates through the wire format', () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    const back = eventSerializer.parse(eventSerializer.stringify({ at, nested: [{ at }], n: 1 })) as {
      at: Date;
      nested: { at: Date }[];
      n: number;
    };
    expect(back.at).toBeInstanceOf(Date);
    expect(back.at.getTime()).toBe(at.getTime());
    expect(back.nested[0]!.at.getTime()).toBe(at.getTime());
    expect(back.n).toBe(1);
  });
});

describe('in-process transport', () => {
  it('delivers to a subscriber of the same pubsub', async () => {
    const { pubsub } = await createEventTransport<Topics>();
    const events = pubsub.subscribe('execution')[Symbol.asyncIterator]();
    const next = events.next();
    pubsub.publish('execution', { runId: 'r1', at: new Date(0) });
    expect((await next).value).toEqual({ runId: 'r1', at: new Date(0) });
    await events.return?.();
  });
});

describe.skipIf(!reachable)('Redis transport between two instances', () => {
  const channelPrefix = `kinflow-test:${process.pid}:${Date.now()}:`;
  let a: EventTransport<Topics>;
  let b: EventTransport<Topics>;
  let other: EventTransport<Topics>;

  beforeAll(async () => {
    a = await createEventTransport<Topics>({ redisUrl: REDIS_URL, channelPrefix });
    b = await createEventTransport<Topics>({ redisUrl: REDIS_URL, channelPrefix });
    other = await createEventTransport<Topics>({
      redisUrl: REDIS_URL,
      channelPrefix: `${channelPrefix}other:`,
    });
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), other?.close()]);
  });

  it('a subscriber on A receives what B publishes, Dates intact; another prefix hears nothing', async () => {
    const onA = a.pubsub.subscribe('execution')[Symbol.asyncIterator]();
    const onOther: unknown[] = [];
    const otherIterator = other.pubsub.subscribe('execution')[Symbol.asyncIterator]();
    void otherIterator.next().then((r) => onOther.push(r.value));
    const received = onA.next();
    // SUBSCRIBE is asynchronous: publish until the subscription is live.
    const at = new Date('2026-12-02T12:00:00.000Z');
    let delivered = false;
    void received.then(() => (delivered = true));
    while (!delivered) {
      b.pubsub.publish('execution', { runId: 'from-b', at });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const { value } = await received;
    expect(value.runId).toBe('from-b');
    expect(value.at).toBeInstanceOf(Date);
    expect(value.at.getTime()).toBe(at.getTime());
    expect(onOther).toEqual([]);
    await onA.return?.();
    await otherIterator.return?.();
  });
});
