import type { PubSub } from 'graphql-yoga';
import type { AppPubSub, AppPubSubTopics } from './context.js';

/**
 * How many accepted events a subscriber may have waiting before its stream ends. A client that falls
 * this far behind gets an error instead of holding the server's memory, and resumes from its cursor.
 */
export const DEFAULT_MAX_QUEUED = 2_000;

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

type Topics = Record<string, [unknown]>;

/**
 * One live subscriber: a plain queue fed synchronously by its topic, read by graphql-ws. No Repeater
 * and no operator chain per subscriber: an event costs one predicate call and, when the reader waits,
 * one settled promise.
 */
export class LiveStream<E> implements AsyncIterableIterator<E> {
  private queue: Array<E | undefined> = [];
  private head = 0;
  private waiting: { resolve(step: IteratorResult<E>): void; reject(error: unknown): void } | undefined;
  private failure: { error: unknown } | undefined;
  private closed = false;

  constructor(
    private readonly accept: ((event: E) => boolean) | undefined,
    private readonly maxQueued: number,
    private readonly detach: (stream: LiveStream<E>) => void,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Called by the topic for every event, in publish order. */
  offer(event: E): void {
    if (this.closed) return;
    try {
      if (this.accept && !this.accept(event)) return;
    } catch (error) {
      return this.fail(error);
    }
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      return waiting.resolve({ done: false, value: event });
    }
    if (this.queue.length - this.head >= this.maxQueued)
      return this.fail(
        new Error(
          `subscriber fell more than ${this.maxQueued} events behind; subscribe again with \`after\``,
        ),
      );
    this.queue.push(event);
  }

  /** Ends the stream with `error` once the events already queued are read. */
  fail(error: unknown): void {
    if (this.closed) return;
    this.close();
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting.reject(error);
    else this.failure = { error };
  }

  next(): Promise<IteratorResult<E>> {
    if (this.head < this.queue.length) {
      const value = this.queue[this.head] as E;
      this.queue[this.head++] = undefined;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      return Promise.resolve({ done: false, value });
    }
    if (this.failure) {
      const { error } = this.failure;
      this.failure = undefined;
      return Promise.reject(error);
    }
    if (this.closed) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<E>> {
    this.close();
    this.queue = [];
    this.head = 0;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve(DONE);
    return Promise.resolve(DONE);
  }

  throw(error?: unknown): Promise<IteratorResult<E>> {
    void this.return();
    return Promise.reject(error);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.detach(this);
  }
}

/** One pubsub listener for all subscribers of a topic, attached while anyone listens. */
class Topic<E> {
  private readonly subscribers = new Set<LiveStream<E>>();
  private source: AsyncIterator<E> | undefined;

  constructor(private readonly open: () => AsyncIterable<E>) {}

  add(stream: LiveStream<E>): void {
    this.subscribers.add(stream);
    if (!this.source) this.start();
  }

  remove(stream: LiveStream<E>): void {
    this.subscribers.delete(stream);
    if (this.subscribers.size > 0 || !this.source) return;
    const source = this.source;
    this.source = undefined;
    void source.return?.();
  }

  private start(): void {
    const source = this.open()[Symbol.asyncIterator]();
    this.source = source;
    // The first next() runs synchronously and attaches the pubsub listener before add() returns, so a
    // subscriber that reads stored events next (replay) cannot miss one published in between.
    void (async () => {
      for (;;) {
        const step = await source.next();
        if (step.done || this.source !== source) return;
        for (const stream of this.subscribers) stream.offer(step.value);
      }
    })().catch((error: unknown) => {
      if (this.source !== source) return;
      this.source = undefined;
      for (const stream of [...this.subscribers]) stream.fail(error);
    });
  }
}

/**
 * Each pubsub topic is listened to once and its events are handed to every subscriber's queue through
 * a cheap synchronous filter: the same event object reaches all of them, which is what lets the
 * subscription executor share one execution per event (see http/shared-subscriptions.ts).
 */
export class LiveTopics<T extends Topics> {
  private readonly topics = new Map<keyof T, Topic<unknown>>();

  constructor(
    private readonly pubsub: PubSub<T>,
    private readonly maxQueued = DEFAULT_MAX_QUEUED,
  ) {}

  subscribe<K extends keyof T & string>(topic: K, accept?: (event: T[K][0]) => boolean): LiveStream<T[K][0]> {
    let entry = this.topics.get(topic) as Topic<T[K][0]> | undefined;
    if (!entry) {
      const created = new Topic<T[K][0]>(() =>
        this.pubsub.subscribe(...([topic] as unknown as Parameters<PubSub<T>['subscribe']>)),
      );
      this.topics.set(topic, created as Topic<unknown>);
      entry = created;
    }
    const owner = entry;
    const stream = new LiveStream<T[K][0]>(accept, this.maxQueued, (ended) => owner.remove(ended));
    owner.add(stream);
    return stream;
  }
}

const byPubSub = new WeakMap<AppPubSub, LiveTopics<AppPubSubTopics>>();

/** The topics of the server's pubsub, created on first use (the pubsub is built once per server). */
export function liveTopics(pubsub: AppPubSub): LiveTopics<AppPubSubTopics> {
  let topics = byPubSub.get(pubsub);
  if (!topics) {
    topics = new LiveTopics(pubsub);
    byPubSub.set(pubsub, topics);
  }
  return topics;
}
