import type { CombinedError } from '@urql/core';

/** Server messages are lower-case by convention; on screen they start a sentence. */
export function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Words for a person, not a stack trace: network trouble and server errors read differently. */
export function describeError(error: unknown): string {
  const combined = error as Partial<CombinedError> | undefined;
  if (combined?.networkError) return 'Kinflow could not be reached. Check your connection and try again.';
  const first = combined?.graphQLErrors?.[0]?.message;
  if (first) return sentence(first);
  return 'Something went wrong. Please try again.';
}
