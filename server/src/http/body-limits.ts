import type http from 'node:http';

/** Largest request bodies per route family, in bytes (README "Limits"). */
export const BODY_LIMITS = {
  /** POST /graphql: operations and their variables (a 1 MB trigger payload or 1,000 readings fit). */
  graphql: 2 * 1024 * 1024,
  /** /v1/* REST routes. */
  rest: 2 * 1024 * 1024,
  /** /v1/* calls without credentials: only sign-in is useful, and it is small. */
  anonymousRest: 8 * 1024,
  /** POST /v1/hooks/<token>. */
  webhook: 256 * 1024,
} as const;

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes; see the documented limits`);
  }
}

/** The declared length, or undefined when the body is chunked (or absent). */
export function declaredLength(req: http.IncomingMessage): number | undefined {
  const raw = req.headers['content-length'];
  if (raw === undefined) return undefined;
  const length = Number(raw);
  return Number.isFinite(length) ? length : undefined;
}

/** How the refusal is worded: GraphQL's `errors` list, or the REST envelope `{ error: { code, message } }`. */
export type RefusalFormat = 'graphql' | 'rest';

/** Answers without reading the body, and closes the connection so the client stops sending. */
export function refuseBody(
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  format: RefusalFormat = 'graphql',
): void {
  const body = JSON.stringify(
    format === 'rest' ? { error: { code, message } } : { errors: [{ message, extensions: { code } }] },
  );
  res.shouldKeepAlive = false;
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  });
  res.end(body, () => res.req.destroy());
}

export function refuseTooLarge(
  res: http.ServerResponse,
  limit: number,
  format: RefusalFormat = 'graphql',
): void {
  refuseBody(res, 413, 'PAYLOAD_TOO_LARGE', new BodyTooLargeError(limit).message, format);
}

/** The request body as a web stream that fails with BodyTooLargeError past `limit` bytes. */
export function limitedBody(
  req: http.IncomingMessage,
  limit: number,
  onTooLarge: () => void = () => {},
): ReadableStream<Uint8Array> {
  let size = 0;
  const iterator = (req as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) return controller.close();
      size += value.length;
      if (size > limit) {
        onTooLarge();
        // The caller answers 413 and then closes the connection; reading stops here.
        controller.error(new BodyTooLargeError(limit));
        return;
      }
      controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.length));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
