import { createPubSub, createSchema, createYoga } from 'graphql-yoga';
import type { ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { LiveTopics } from '../graphql/live-topics.js';
import { callerClassOf, sharedSubscriptionsPlugin } from './shared-subscriptions.js';

type Topics = { event: [{ id: string; room: string }] };
type Caller = {
  actor: { kind: string; id: string } | null;
  permissions: Set<string>;
  [key: string]: unknown;
};

const ADMIN: Caller = { actor: { kind: 'apiKey', id: 'a' }, permissions: new Set(['read', 'admin']) };
const VIEWER: Caller = { actor: { kind: 'user', id: 'v' }, permissions: new Set(['read']) };

/** A tiny server with the plugin: `secret` is only shown to admins and counts its executions. */
function setup() {
  const pubsub = createPubSub<Topics>();
  const topics = new LiveTopics(pubsub);
  const counts = { executed: 0, secretResolved: 0 };
  const yoga = createYoga<Record<string, unknown>, Caller>({
    schema: createSchema<Caller>({
      typeDefs: `
        type Query { hello: String }
        type Event { id: ID! secret: String }
        type Subscription { events(room: String): Event! }`,
      resolvers: {
        Subscription: {
          events: {
            subscribe: (_root: unknown, args: { room?: string }) =>
              topics.subscribe('event', (event) => !args.room || event.room === args.room),
            resolve: (event: unknown) => event,
          },
        },
        Event: {
          secret: (event: { id: string }, _args: unknown, context: Caller) => {
            counts.secretResolved++;
            return context.permissions.has('admin') ? `secret of ${event.id}` : null;
          },
        },
      },
    }),
    plugins: [
      sharedSubscriptionsPlugin<Caller>({
        classOf: callerClassOf,
        onEventExecuted: () => counts.executed++,
      }),
    ],
  });
  const subscribe = async (caller: Caller, variables?: Record<string, unknown>) => {
    const { subscribe, contextFactory, parse, schema } = yoga.getEnveloped(caller);
    const result = await subscribe({
      schema,
      document: parse('subscription($room: String) { events(room: $room) { id secret } }'),
      contextValue: { ...(await contextFactory()), ...caller },
      variableValues: variables,
    });
    return (result as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator]();
  };
  const publish = async (...events: Array<Topics['event'][0]>) => {
    for (const event of events) pubsub.publish('event', event);
    // The topic's one listener hands them on after a turn of the microtask queue.
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { counts, subscribe, publish };
}

describe('shared subscription execution', () => {
  it('executes an event once for all subscribers of one selection and caller class', async () => {
    const { counts, subscribe, publish } = setup();
    const admins = await Promise.all(Array.from({ length: 5 }, () => subscribe(ADMIN)));
    const viewers = await Promise.all(Array.from({ length: 3 }, () => subscribe(VIEWER)));
    await publish({ id: 'e1', room: 'kitchen' }, { id: 'e2', room: 'hall' });

    for (const id of ['e1', 'e2']) {
      const adminResults = await Promise.all(admins.map((stream) => stream.next()));
      const viewerResults = await Promise.all(viewers.map((stream) => stream.next()));
      for (const { value } of adminResults)
        expect(value.data).toEqual({ events: { id, secret: `secret of ${id}` } });
      // Authorisation still applies per caller: the viewers' shared result hides the secret.
      for (const { value } of viewerResults) expect(value.data).toEqual({ events: { id, secret: null } });
      // One result object per class, handed to each of its subscribers.
      expect(new Set(adminResults.map((step) => step.value)).size).toBe(1);
      expect(new Set(viewerResults.map((step) => step.value)).size).toBe(1);
    }
    // 2 events × 2 classes, not 2 events × 8 subscribers.
    expect(counts.executed).toBe(4);
    expect(counts.secretResolved).toBe(4);
    await Promise.all([...admins, ...viewers].map((stream) => stream.return?.()));
  });

  it('keeps different variables and different callers of one role apart', async () => {
    const { counts, subscribe, publish } = setup();
    const other: Caller = { actor: { kind: 'apiKey', id: 'b' }, permissions: new Set(['read', 'admin']) };
    const all = await subscribe(ADMIN);
    const kitchen = await subscribe(ADMIN, { room: 'kitchen' });
    const otherKey = await subscribe(other);
    await publish({ id: 'e1', room: 'hall' }, { id: 'e2', room: 'kitchen' });

    expect((await all.next()).value.data.events.id).toBe('e1');
    expect((await all.next()).value.data.events.id).toBe('e2');
    // The filter runs per subscriber before anything is executed: the hall event never reaches it.
    expect((await kitchen.next()).value.data.events.id).toBe('e2');
    expect((await otherKey.next()).value.data.events.id).toBe('e1');
    expect((await otherKey.next()).value.data.events.id).toBe('e2');
    // all: 2, kitchen (other variables): 1, the other key (another caller): 2.
    expect(counts.executed).toBe(5);
    await Promise.all([all, kitchen, otherKey].map((stream) => stream.return?.()));
  });
});

describe('LiveTopics', () => {
  it('listens once per topic, filters per subscriber and detaches when the last one leaves', async () => {
    const pubsub = createPubSub<Topics>();
    const opened: number[] = [];
    const counting = {
      publish: pubsub.publish,
      subscribe: (...args: Parameters<typeof pubsub.subscribe>) => {
        opened.push(1);
        return pubsub.subscribe(...args);
      },
    } as typeof pubsub;
    const topics = new LiveTopics(counting);
    const a = topics.subscribe('event');
    const b = topics.subscribe('event', (event) => event.room === 'hall');
    pubsub.publish('event', { id: 'e1', room: 'kitchen' });
    pubsub.publish('event', { id: 'e2', room: 'hall' });
    expect(opened).toHaveLength(1);
    expect((await a.next()).value).toEqual({ id: 'e1', room: 'kitchen' });
    const [fromA, fromB] = await Promise.all([a.next(), b.next()]);
    // The very same object reaches every subscriber (what the shared execution keys on).
    expect(fromA.value).toBe(fromB.value);
    await a.return();
    await b.return();
    expect(await a.next()).toEqual({ done: true, value: undefined });
    // Nobody listens any more, so the next subscriber attaches afresh.
    const c = topics.subscribe('event');
    expect(opened).toHaveLength(2);
    await c.return();
  });

  it('ends a subscriber that falls too far behind with an error, after what it had queued', async () => {
    const pubsub = createPubSub<Topics>();
    const topics = new LiveTopics(pubsub, 2);
    const slow = topics.subscribe('event');
    for (const id of ['e1', 'e2', 'e3']) pubsub.publish('event', { id, room: 'hall' });
    await new Promise((resolve) => setImmediate(resolve));
    expect((await slow.next()).value.id).toBe('e1');
    expect((await slow.next()).value.id).toBe('e2');
    await expect(slow.next()).rejects.toThrow(/fell more than 2 events behind/);
    expect(await slow.next()).toEqual({ done: true, value: undefined });
  });
});
