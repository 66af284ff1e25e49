import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { withSharedPayload } from './shared-json.js';

/** Below this many unsent bytes a message counts as sent once it is queued (1 s of a busy feed). */
export const WRITE_HIGH_WATER = 64 * 1024;

type SendCallback = (error?: Error) => void;

/**
 * graphql-ws waits for each message's write callback before it takes the next result, so a burst of
 * events (a run's steps finishing together) costs every subscriber one `writev` system call per
 * message, and with a thousand subscribers the system calls are most of the server's work.
 *
 * Here a message is reported sent as soon as it is queued while the socket keeps up (few bytes
 * buffered), and the socket is corked until the end of the tick, so the messages queued in one tick
 * leave in one write. A client that falls behind gets the old behaviour back (the callback waits for
 * the kernel), which stops graphql-ws from pulling more and leaves the backlog in the subscriber's
 * bounded queue (graphql/live-topics.ts). Write errors still close the socket, which ends its
 * subscriptions. This one override of `send` also puts in the JSON text of results shared by many
 * subscribers (shared-json.ts), so it is installed on every socket, corkable or not.
 */
export function coalesceWrites(socket: WebSocket, highWater = WRITE_HIGH_WATER): void {
  const raw = (socket as unknown as { _socket?: Socket })._socket;
  const send = socket.send.bind(socket) as (data: unknown, options?: object, cb?: SendCallback) => void;
  if (!raw || typeof raw.cork !== 'function') {
    socket.send = ((data: unknown, options?: object, cb?: SendCallback) =>
      send(withSharedPayload(data), options, cb)) as WebSocket['send'];
    return;
  }
  let corked = false;
  const uncork = () => {
    corked = false;
    raw.uncork();
  };
  socket.send = ((
    message: unknown,
    optionsOrCallback?: object | SendCallback,
    maybeCallback?: SendCallback,
  ) => {
    const data = withSharedPayload(message);
    const options = typeof optionsOrCallback === 'function' ? undefined : optionsOrCallback;
    const callback = (typeof optionsOrCallback === 'function' ? optionsOrCallback : maybeCallback) as
      SendCallback | undefined;
    if (socket.readyState !== socket.OPEN) return send(data, options ?? {}, callback);
    if (!corked) {
      corked = true;
      raw.cork();
      process.nextTick(uncork);
    }
    if (!callback || socket.bufferedAmount > highWater) return send(data, options ?? {}, callback);
    send(data, options ?? {});
    callback();
  }) as WebSocket['send'];
}
