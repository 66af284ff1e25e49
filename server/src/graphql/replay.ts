import { GraphQLError } from 'graphql';
import { builder } from './builder.js';

/**
 * Sent first on a subscription whose `after` cursor is older than what the server keeps: events were
 * lost for this client, so it should refetch the state it shows. Live items follow as usual.
 */
export class ReplayUnavailable {
  constructor(
    readonly message: string,
    /** The oldest cursor that can still be replayed, when anything is kept. */
    readonly oldestCursor: string | null,
  ) {}
}

builder.objectType(ReplayUnavailable, {
  name: 'ReplayUnavailable',
  description:
    'The cursor given as `after` is older than the replayable history: some events are gone for good. ' +
    'Refetch what you show; live items follow this marker.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What happened, for people.' }),
    oldestCursor: t.exposeString('oldestCursor', {
      nullable: true,
      description: 'The oldest cursor still replayable (null when nothing is kept).',
    }),
  }),
});

/** Parses a decimal cursor of the execution event log; bad input is the caller's error, not ours. */
export function parseEventCursor(after: string | null | undefined): number | null {
  if (after === null || after === undefined) return null;
  if (!/^\d{1,15}$/.test(after)) {
    throw new GraphQLError('`after` must be a cursor from an earlier event', {
      extensions: { code: 'BAD_USER_INPUT', field: 'after' },
    });
  }
  return Number(after);
}

/**
 * Replays what a client missed, then streams live items, with no gap and no duplicate at the seam.
 *
 * The live subscription is started *before* the stored items are read, and its items are buffered
 * while the replay runs; items are published only after they are committed, so each one is either in
 * the store when it is read or arrives live (or both). Buffered live items at or before the last
 * replayed key are dropped.
 */
export async function* replayThenLive<T, M>(options: {
  live: AsyncIterable<T>;
  replay: () => AsyncIterable<T | M>;
  /** Monotonic key of a live or replayed item; undefined for items that cannot be deduplicated. */
  keyOf: (item: T | M) => number | string | undefined;
  accept: (item: T) => boolean;
}): AsyncGenerator<T | M> {
  const iterator = options.live[Symbol.asyncIterator]();
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  // Pull from the live source right away: this registers its listener before the replay reads.
  const pump = (async () => {
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        if (options.accept(next.value)) queue.push(next.value);
        wake?.();
      }
    } finally {
      ended = true;
      wake?.();
    }
  })();
  try {
    let last: number | string | undefined;
    for await (const item of options.replay()) {
      const key = options.keyOf(item);
      if (key !== undefined) last = key;
      yield item;
    }
    for (;;) {
      while (queue.length > 0) {
        const item = queue.shift() as T;
        const key = options.keyOf(item);
        if (last !== undefined && key !== undefined && key <= last) continue;
        yield item;
      }
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    await iterator.return?.();
    await pump.catch(() => {});
  }
}
