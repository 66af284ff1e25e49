import type { GraphQLContext } from './context.js';

/**
 * A caller allowed to perform a mutation may read what it returns (a TRIGGER key its run, a WRITE key
 * its flow) even without READ, so a committed success never comes back as 403 and is never retried.
 * Only the returned object itself: what it links to keeps its own rules.
 */
export async function ownResult<T>(context: GraphQLContext, value: T | Promise<T>): Promise<T> {
  const result = await value;
  if (result && typeof result === 'object') context.ownResults.add(result);
  return result;
}

/** Type-level rule: readable with `scopes`, or as the result of the caller's own mutation. */
export const readableWith =
  <S extends Record<string, boolean>>(scopes: S) =>
  (value: object, context: GraphQLContext): true | S =>
    context.ownResults.has(value) ? true : scopes;
