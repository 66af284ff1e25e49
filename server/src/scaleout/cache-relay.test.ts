import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayCacheInvalidation, type InvalidationMessage } from './cache-relay.js';
import { createEventTransport, type EventTransport } from './event-transport.js';
import { TEST_REDIS_URL, testRedisReachable, uniquePrefix } from './test-redis.js';

type Topics = { invalidate: [InvalidationMessage] };

const reachable = await testRedisReachable('Redis cache invalidation tests');

/** One instance's caches, reduced to what the relay touches; `applied` records what it was told. */
function instance() {
  const listeners = {
    flow: new Set<(flowId: string) => void>(),
    issued: new Set<(flowId: string, stepKey: string) => void>(),
    node: new Set<(nodeId: string) => void>(),
  };
  const applied: string[] = [];
  const state = { warmed: false };
  let arrived: () => void = () => undefined;
  const record = (entry: string) => {
    // Warm-up traffic only proves the subscription is live; it is not counted.
    if (entry.includes('warm-up')) state.warmed = true;
    else applied.push(entry);
    arrived();
  };
  const on =
    <T extends unknown[]>(set: Set<(...args: T) => void>) =>
    (listener: (...args: T) => void) => {
      set.add(listener);
      return () => set.delete(listener);
    };
  return {
    applied,
    state,
    /** Resolves once `count` invalidations were applied here. */
    received: (count: number) =>
      new Promise<void>((resolve) => {
        arrived = () => applied.length >= count && resolve();
        arrived();
      }),
    change: {
      flow: (flowId: string) => listeners.flow.forEach((l) => l(flowId)),
      issue: (flowId: string, stepKey: string) => listeners.issued.forEach((l) => l(flowId, stepKey)),
      node: (nodeId: string) => listeners.node.forEach((l) => l(nodeId)),
    },
    participants: {
      flows: { onChange: on(listeners.flow) },
      triggers: { syncFlow: (flowId: string) => record(`syncFlow ${flowId}`) },
      webhooks: {
        onIssued: on(listeners.issued),
        reload: (flowId: string, stepKey: string) => record(`reload ${flowId}/${stepKey}`),
      },
      nodes: {
        onNodeChanged: on(listeners.node),
        refreshNode: async (nodeId: string) => record(`refreshNode ${nodeId}`),
      },
    },
  };
}

async function exchange(a: ReturnType<typeof instance>, b: ReturnType<typeof instance>) {
  a.change.flow('flow-1');
  a.change.issue('flow-1', 'hook');
  b.change.node('node-7');
  await Promise.all([b.received(2), a.received(1)]);
}

describe('cache invalidation in one process', () => {
  it('each change reaches the other relay on the bus, never its sender', async () => {
    const { pubsub } = await createEventTransport<Topics>();
    const a = instance();
    const b = instance();
    const stops = [
      relayCacheInvalidation(pubsub, a.participants),
      relayCacheInvalidation(pubsub, b.participants),
    ];
    await exchange(a, b);
    expect(b.applied).toEqual(['syncFlow flow-1', 'reload flow-1/hook']);
    expect(a.applied).toEqual(['refreshNode node-7']);
    await Promise.all(stops.map((stop) => stop()));
    a.change.flow('flow-2'); // stopped: no longer heard or sent
    await new Promise((resolve) => setImmediate(resolve));
    expect(b.applied).toHaveLength(2);
  });
});

describe.skipIf(!reachable)('cache invalidation between two instances on Redis', () => {
  const channelPrefix = uniquePrefix('invalidate');
  let busA: EventTransport<Topics>;
  let busB: EventTransport<Topics>;
  beforeAll(async () => {
    [busA, busB] = await Promise.all([
      createEventTransport<Topics>({ redisUrl: TEST_REDIS_URL, channelPrefix }),
      createEventTransport<Topics>({ redisUrl: TEST_REDIS_URL, channelPrefix }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([busA?.close(), busB?.close()]);
  });

  it('a flow saved, a token issued on A and a node changed on B reach the other instance', async () => {
    const a = instance();
    const b = instance();
    const stops = [
      relayCacheInvalidation(busA.pubsub, a.participants),
      relayCacheInvalidation(busB.pubsub, b.participants),
    ];
    // SUBSCRIBE is asynchronous: resend until both ends are listening, then count exact arrivals.
    const warm = instance();
    const probe = relayCacheInvalidation(busA.pubsub, warm.participants);
    for (let i = 0; !(a.state.warmed && b.state.warmed) && i < 100; i++) {
      warm.change.flow('warm-up');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await probe();
    await exchange(a, b);
    expect(b.applied).toEqual(['syncFlow flow-1', 'reload flow-1/hook']);
    expect(a.applied).toEqual(['refreshNode node-7']);
    await Promise.all(stops.map((stop) => stop()));
  });
});
