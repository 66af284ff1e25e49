import type { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub, type PubSub } from 'graphql-yoga';

/**
 * Where the GraphQL pubsub carries its events. Without REDIS_URL: in process (graphql-yoga's default
 * EventTarget, as fast as before). With it: through Redis pub/sub, so a subscriber on any instance
 * hears what another published. The publish/subscribe API stays graphql-yoga's either way.
 */
export interface EventTransport<TTopics extends Record<string, [unknown]>> {
  pubsub: PubSub<TTopics>;
  close(): Promise<void>;
}

export interface EventTransportOptions {
  /** redis://… ; unset keeps events in this process. */
  redisUrl?: string;
  /** Prefix of every Redis channel, so several deployments (or test runs) can share one Redis. */
  channelPrefix?: string;
}

const DATE_TAG = '$kinflowDate';

/** JSON that keeps Dates as Dates (events carry `at` / `createdAt`), instead of ISO strings. */
export const eventSerializer = {
  stringify(message: unknown): string {
    return JSON.stringify(message, function (this: Record<string, unknown>, key, value: unknown) {
      const raw = this[key];
      return raw instanceof Date ? { [DATE_TAG]: raw.toISOString() } : value;
    });
  },
  parse(message: string): unknown {
    return JSON.parse(message, (_key, value: unknown) =>
      value !== null && typeof value === 'object' && DATE_TAG in value
        ? new Date((value as Record<string, string>)[DATE_TAG]!)
        : value,
    );
  },
};

export async function createEventTransport<TTopics extends Record<string, [unknown]>>(
  options: EventTransportOptions = {},
): Promise<EventTransport<TTopics>> {
  if (!options.redisUrl) return { pubsub: createPubSub<TTopics>(), close: async () => {} };
  // Loaded only with REDIS_URL: a single instance should not pay for ioredis on every start.
  const [{ createRedisEventTarget }, { Redis }] = await Promise.all([
    import('@graphql-yoga/redis-event-target'),
    import('ioredis'),
  ]);
  const publishClient = new Redis(options.redisUrl, { lazyConnect: true });
  const subscribeClient = new Redis(options.redisUrl, { lazyConnect: true });
  await Promise.all([publishClient.connect(), subscribeClient.connect()]);
  const prefix = options.channelPrefix ?? 'kinflow:';
  // Channels are topic names; the prefix is applied on both sides by wrapping the target.
  const target = createRedisEventTarget({ publishClient, subscribeClient, serializer: eventSerializer });
  const prefixed = prefixEventTarget(target, prefix);
  return {
    pubsub: createPubSub<TTopics>({ eventTarget: prefixed }),
    close: async () => {
      // Subscriptions that just ended send UNSUBSCRIBE on the next turn; let them go out first.
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    },
  };
}

type Target = ReturnType<typeof createRedisEventTarget>;

/** Renames every event type to `<prefix><type>` on the way to Redis and back. */
function prefixEventTarget(target: Target, prefix: string): Target {
  const wrapped = new Map<string, Map<unknown, EventListener>>();
  return {
    dispatchEvent: (event: CustomEvent) =>
      target.dispatchEvent(new CustomEvent(prefix + event.type, { detail: event.detail })),
    addEventListener(type: string, listener: unknown) {
      if (!listener) return;
      const call = (event: Event) => {
        const renamed = new CustomEvent(type, { detail: (event as CustomEvent).detail });
        if (typeof listener === 'function') (listener as EventListener)(renamed);
        else (listener as EventListenerObject).handleEvent(renamed);
      };
      if (!wrapped.has(type)) wrapped.set(type, new Map());
      wrapped.get(type)!.set(listener, call);
      target.addEventListener(prefix + type, call);
    },
    removeEventListener(type: string, listener: unknown) {
      const call = wrapped.get(type)?.get(listener);
      if (!call) return;
      wrapped.get(type)!.delete(listener);
      target.removeEventListener(prefix + type, call);
    },
  } as Target;
}
