/**
 * One JSON text per shared subscription result. graphql-ws stringifies every `next` message for every
 * subscriber, so an event shown to a thousand subscribers of one selection was serialised a thousand
 * times, the largest part of a fan-out burst. The shared-subscriptions plugin marks the results it
 * hands to several subscribers; graphql-ws is given them uncopied, its message replacer swaps such a
 * payload for a placeholder, and the socket's `send` (ws-writes.ts) puts the one cached text in its
 * place. (`JSON.rawJSON` would do this without the swap, but Node.js 20 lacks it.)
 */

/** Shared results, each with its JSON text once it was first sent (null until then). */
const texts = new WeakMap<object, string | null>();

/** A string no GraphQL result serialises to at a message's end: it holds NUL characters. */
const PLACEHOLDER = '\u0000kinflow:shared-result\u0000';
/** `payload` is the last key of graphql-ws's `next` message, so the placeholder ends the text. */
const PLACEHOLDER_TAIL = `${JSON.stringify(PLACEHOLDER)}}`;

/** The text for the placeholder the replacer just wrote; the send that follows it takes it. */
let pending: string | null = null;

/** Marks a result that is sent unchanged to several subscribers. */
export function markShared(result: object): void {
  if (!texts.has(result)) texts.set(result, null);
}

/**
 * graphql-ws's `onNext`: graphql-ws copies every result into a new object before it stringifies it,
 * so a shared result is handed back as it is (one without errors: those graphql-ws converts first).
 */
export function keepSharedResult(result: unknown): object | undefined {
  if (typeof result !== 'object' || result === null || !texts.has(result)) return undefined;
  return 'errors' in result && result.errors !== undefined ? undefined : result;
}

/** graphql-ws's `jsonMessageReplacer`: only the payload of a `next` message, and only a shared one. */
export function sharedPayloadReplacer(this: unknown, key: string, value: unknown): unknown {
  if (key !== 'payload' || typeof value !== 'object' || value === null) return value;
  let text = texts.get(value);
  if (text === undefined || (this as { type?: unknown }).type !== 'next') return value;
  if (text === null) {
    text = JSON.stringify(value);
    texts.set(value, text);
  }
  pending = text;
  return PLACEHOLDER;
}

/** Puts the cached payload text into the message the replacer just produced. */
export function withSharedPayload(data: unknown): unknown {
  if (pending === null) return data;
  const text = pending;
  pending = null;
  if (typeof data !== 'string' || !data.endsWith(PLACEHOLDER_TAIL)) return data;
  return `${data.slice(0, -PLACEHOLDER_TAIL.length)}${text}}`;
}
