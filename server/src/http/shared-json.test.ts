import { describe, expect, it } from 'vitest';
import { keepSharedResult, markShared, sharedPayloadReplacer, withSharedPayload } from './shared-json.js';

/** What graphql-ws does for each subscriber: stringify the message with the replacer, then send. */
const send = (message: object): string =>
  withSharedPayload(JSON.stringify(message, sharedPayloadReplacer)) as string;

describe('shared subscription payloads', () => {
  it('sends a shared result exactly as graphql-ws would, serialising it once', () => {
    const result = { data: { alertRaised: { id: 'a1', message: 'Fall "detected"\n', payload: { x: 1 } } } };
    markShared(result);
    let reads = 0;
    const counted = {
      get data() {
        reads++;
        return result.data;
      },
    };
    markShared(counted);
    const first = send({ id: 'sub-1', type: 'next', payload: counted });
    const second = send({ id: 'sub-2', type: 'next', payload: counted });
    expect(JSON.parse(first)).toEqual({ id: 'sub-1', type: 'next', payload: result });
    expect(JSON.parse(second)).toEqual({ id: 'sub-2', type: 'next', payload: result });
    expect(first).toBe(JSON.stringify({ id: 'sub-1', type: 'next', payload: result }));
    expect(reads).toBe(1);
  });

  it('leaves results that were not shared, and other messages, to plain JSON', () => {
    const own = { data: { n: 1 } };
    expect(send({ id: '1', type: 'next', payload: own })).toBe(
      JSON.stringify({ id: '1', type: 'next', payload: own }),
    );
    const shared = { data: { n: 2 } };
    markShared(shared);
    // Only a `next` message's own payload is swapped, never a nested key that happens to be called so.
    const nested = { id: '2', type: 'error', payload: [{ message: 'x', payload: shared }] };
    expect(send(nested)).toBe(JSON.stringify(nested));
  });

  it('cannot be fooled by a client id that looks like the placeholder', () => {
    const shared = { data: { n: 3 } };
    markShared(shared);
    const id = '\u0000kinflow:shared-result\u0000';
    expect(JSON.parse(send({ id, type: 'next', payload: shared }))).toEqual({
      id,
      type: 'next',
      payload: shared,
    });
    expect(send({ id: 'plain', type: 'complete' })).toBe('{"id":"plain","type":"complete"}');
  });

  it('hands graphql-ws a shared result uncopied unless it carries errors', () => {
    const shared = { data: { n: 4 } };
    const failed = { data: null, errors: [new Error('no')] };
    markShared(shared);
    markShared(failed);
    expect(keepSharedResult(shared)).toBe(shared);
    expect(keepSharedResult(failed)).toBeUndefined();
    expect(keepSharedResult({ data: { n: 5 } })).toBeUndefined();
  });
});
