import {
  createSourceEventStream,
  execute,
  print,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { markShared } from './shared-json.js';

type Result = ExecutionResult;
type MaybePromise<T> = T | Promise<T>;

export interface SharedSubscriptionOptions<C> {
  /**
   * Callers of one class see exactly the same data (same identity, same permissions), so one of them
   * can execute an event for all; null means "never share".
   */
  classOf(context: C): string | null;
  /** Called once per real execution of an event (diagnostics and tests). */
  onEventExecuted?(): void;
}

const isPromise = <T>(value: MaybePromise<T>): value is Promise<T> =>
  typeof (value as Promise<T> | undefined)?.then === 'function';

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/**
 * Executes each subscription event once per (document, operation, variables, caller class) instead of
 * once per subscriber, and hands every subscriber of that key the same result object.
 *
 * It replaces the subscribe function: the source stream still comes from the field's own `subscribe`
 * (with its scope checks) for every subscriber, and every other plugin still sees each subscriber's
 * results. Results are keyed by the event object itself (a WeakMap), so they live exactly as long as
 * some subscriber still has the event queued; replayed events are fresh objects and are not shared.
 * Results are never mutated downstream (graphql-ws copies them into its message).
 */
export function sharedSubscriptionsPlugin<C>(options: SharedSubscriptionOptions<C>): Plugin {
  const results = new WeakMap<object, Map<string, MaybePromise<Result>>>();
  const documentKeys = new WeakMap<DocumentNode, string>();

  const keyOf = (args: ExecutionArgs): string | null => {
    const callerClass = options.classOf(args.contextValue as C);
    if (callerClass === null) return null;
    let documentKey = documentKeys.get(args.document);
    if (documentKey === undefined) {
      documentKey = print(args.document);
      documentKeys.set(args.document, documentKey);
    }
    return JSON.stringify([
      documentKey,
      args.operationName ?? null,
      args.variableValues ?? null,
      callerClass,
    ]);
  };

  async function subscribe(args: ExecutionArgs): Promise<Result | AsyncIterableIterator<Result>> {
    const stream = await createSourceEventStream(args);
    if (!isAsyncIterable(stream)) return markInputErrors(stream);
    const key = keyOf(args);
    const run = (event: unknown): MaybePromise<Result> => {
      options.onEventExecuted?.();
      return execute({ ...args, rootValue: event });
    };
    const resultOf = (event: unknown): MaybePromise<Result> => {
      if (key === null || typeof event !== 'object' || event === null) return run(event);
      let byKey = results.get(event);
      if (!byKey) results.set(event, (byKey = new Map()));
      const known = byKey.get(key);
      if (known !== undefined) return known;
      const result = run(event);
      byKey.set(key, result);
      // Later subscribers then get the plain value, without waiting on a promise.
      if (isPromise(result))
        result.then(
          (value) => {
            markShared(value);
            byKey.set(key, value);
          },
          () => undefined,
        );
      else markShared(result);
      return result;
    };
    const source = stream[Symbol.asyncIterator]();
    const step = (next: IteratorResult<unknown>): MaybePromise<IteratorResult<Result>> => {
      if (next.done) return { done: true, value: undefined };
      const result = resultOf(next.value);
      return isPromise(result)
        ? result.then((value) => ({ done: false, value }))
        : { done: false, value: result };
    };
    const shared: AsyncIterableIterator<Result> = {
      [Symbol.asyncIterator]: () => shared,
      next: () => source.next().then(step),
      return: async () => {
        await source.return?.();
        return { done: true, value: undefined };
      },
      throw: async (error: unknown) => {
        await source.return?.();
        throw error;
      },
    };
    return shared;
  }

  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(subscribe as never);
    },
  };
}

/**
 * Variables that cannot be coerced are the caller's mistake; graphql-tools (which this replaces for
 * subscriptions) reports them as BAD_USER_INPUT with HTTP 400, and so does this. Errors of the field's
 * own subscribe function carry a path and are left as they are.
 */
function markInputErrors(result: Result): Result {
  for (const error of result.errors ?? []) {
    if (error.path) continue;
    const extensions = error.extensions as Record<string, unknown>;
    extensions.code ??= 'BAD_USER_INPUT';
    extensions.http = { ...(extensions.http as object | undefined), status: 400 };
  }
  return result;
}

/**
 * The class of a caller for sharing: who it is and what it may do. Everything a resolver decides
 * about visibility comes from these (the actor and its permissions), so two subscribers of one class
 * are shown the same data; different keys, people or tablets never share.
 */
export function callerClassOf(context: {
  actor: { kind: string; id: string } | null;
  permissions: ReadonlySet<string>;
}): string {
  if (!context.actor) return 'anonymous';
  return `${context.actor.kind}:${context.actor.id}:${[...context.permissions].sort().join(',')}`;
}
