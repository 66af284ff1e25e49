import { encodeGlobalID } from '@pothos/plugin-relay';
import type http from 'node:http';
import { EngineError } from '../engine/errors.js';
import type { TriggerRuntime } from '../triggers/runtime.js';
import { BODY_LIMITS, BodyTooLargeError } from './body-limits.js';

export const WEBHOOK_PATH_PREFIX = '/v1/hooks/';
const MAX_BODY_BYTES = BODY_LIMITS.webhook;

class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyError(413, new BodyTooLargeError(MAX_BODY_BYTES).message);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return null;
  const type = req.headers['content-type'] ?? '';
  if (type.includes('json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new BodyError(400, 'body is not valid JSON');
    }
  }
  if (type.includes('application/x-www-form-urlencoded')) return queryObject(new URLSearchParams(text));
  return text;
}

function queryObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    out[key] = values.length === 1 ? values[0]! : values;
  }
  return out;
}

/**
 * POST /v1/hooks/<token>: the token is the credential, so this path needs no bearer token. Answers
 * 202 with the run, 404 for a token that matches no enabled webhook trigger (indistinguishable from
 * a wrong one), 429 with Retry-After when rate limited, 409 when the engine refuses the run.
 */
export async function handleWebhook(
  triggers: TriggerRuntime,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const token = decodeURIComponent(url.pathname.slice(WEBHOOK_PATH_PREFIX.length));
  if (req.method !== 'POST' && req.method !== 'PUT') {
    send(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'use POST' } }, { allow: 'POST, PUT' });
    return;
  }
  try {
    const body = await readBody(req);
    const { outcome, run } = await triggers.receiveWebhook(token, {
      method: req.method,
      body,
      query: queryObject(url.searchParams),
      headers: req.headers,
      client: req.socket.remoteAddress ?? 'unknown',
    });
    if (outcome.kind === 'not_found') {
      send(res, 404, { error: { code: 'NOT_FOUND', message: 'no webhook trigger has this URL' } });
    } else if (outcome.kind === 'rate_limited') {
      const seconds = String(Math.max(1, Math.ceil(outcome.retryAfterMs / 1000)));
      send(
        res,
        429,
        { error: { code: 'RATE_LIMITED', message: 'too many requests' } },
        { 'retry-after': seconds },
      );
    } else {
      const record = run as { id: string; status: string };
      send(res, 202, { executionId: encodeGlobalID('FlowExecution', record.id), status: record.status });
    }
  } catch (error) {
    if (error instanceof BodyError)
      send(res, error.status, {
        error: { code: error.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', message: error.message },
      });
    else if (error instanceof EngineError)
      send(res, 409, { error: { code: error.code.toUpperCase(), message: error.message } });
    else send(res, 500, { error: { code: 'INTERNAL', message: 'the webhook could not be handled' } });
  }
}
