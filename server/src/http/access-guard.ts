import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { watchAccess, type AccessEvents, type AccessWatch } from '../auth/access.js';
import type { GraphQLContext } from '../graphql/context.js';

export const ACCESS_ENDED_CLOSE_CODE = 4403;

export function accessEndedError(reason: string): GraphQLError {
  return new GraphQLError(`access ended (${reason}); sign in again or use a valid key`, {
    extensions: { code: 'FORBIDDEN', reason },
  });
}

/** Watches the credential an operation came with; undefined for anonymous callers. */
export function watchContext(events: AccessEvents, context: GraphQLContext): AccessWatch | undefined {
  if (!context.actor || !context.token) return undefined;
  return watchAccess(events, {
    actor: context.actor,
    token: context.token,
    expiresAt: context.tokenExpiresAt,
  });
}

/** Ends `source` with one error result once access ends, and releases the source. */
export function untilAccessEnds(
  source: AsyncIterable<ExecutionResult>,
  watch: AccessWatch,
): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  // One reaction on `watch.ended` for the whole subscription: racing it on every next() would add a
  // reaction per event to a promise that usually never settles, and keep each of them in memory.
  let endedBy: string | undefined;
  let interrupt: ((reason: string) => void) | undefined;
  void watch.ended.then((reason) => {
    endedBy = reason;
    interrupt?.(reason);
  });
  let done = false;
  const finish = async () => {
    done = true;
    watch.stop();
    await iterator.return?.();
  };
  const endWith = (reason: string) => {
    void finish();
    return { done: false as const, value: { errors: [accessEndedError(reason)] } };
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    // Not async, and no race helper: one promise per event (this sits on every subscriber's path).
    next() {
      if (done) return Promise.resolve({ done: true, value: undefined });
      if (endedBy !== undefined) return Promise.resolve(endWith(endedBy));
      return new Promise<IteratorResult<ExecutionResult>>((resolve, reject) => {
        interrupt = (reason) => resolve(endWith(reason));
        iterator.next().then(
          (step) => {
            interrupt = undefined;
            if (step.done) {
              done = true;
              watch.stop();
            }
            resolve(step);
          },
          (error: unknown) => {
            interrupt = undefined;
            reject(error);
          },
        );
      });
    },
    async return() {
      await finish();
      return { done: true, value: undefined };
    },
  };
}

/**
 * Every subscription (SSE or WebSocket) ends with a FORBIDDEN error within moments of its key being
 * revoked, its session logged out or expired; resolvers need not know.
 */
export function accessGuardPlugin(events: AccessEvents): Plugin<GraphQLContext> {
  return {
    onSubscribe({ args }) {
      return {
        onSubscribeResult({ result, setResult }) {
          if (!(Symbol.asyncIterator in result)) return;
          const watch = watchContext(events, args.contextValue as GraphQLContext);
          if (watch) setResult(untilAccessEnds(result, watch));
        },
      };
    },
  };
}
