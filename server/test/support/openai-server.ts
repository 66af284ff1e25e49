// Test-only: an OpenAI-compatible chat completions server on loopback that answers from a script.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer: a chat reply (`content` / `refusal`) or a raw status with headers and body. */
export interface ScriptedReply {
  content?: string;
  refusal?: string;
  finishReason?: string;
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Hold the answer this long (a model that never answers in time). */
  delayMs?: number;
}

export interface SeenChatRequest {
  authorization: string | undefined;
  body: {
    model: string;
    messages: Array<{ role: string; content: string }>;
    response_format?: Record<string, unknown>;
    [key: string]: unknown;
  };
}

export interface OpenAiTestServer {
  /** Base URL as a model registry entry gives it: http://127.0.0.1:<port>/v1. */
  baseUrl: string;
  requests: SeenChatRequest[];
  /** Answers for the next requests, in order; when empty, a 500. */
  script(...replies: ScriptedReply[]): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function startOpenAiTestServer(apiKey = 'sk-test-secret-key'): Promise<OpenAiTestServer> {
  const queue: ScriptedReply[] = [];
  const requests: SeenChatRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    void readBody(req).then((text) => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        return send(res, 404, { error: { message: `no route ${req.method} ${req.url}` } });
      }
      if (req.headers.authorization !== `Bearer ${apiKey}`) {
        return send(res, 401, { error: { message: 'Incorrect API key provided', code: 'invalid_api_key' } });
      }
      const body = JSON.parse(text) as SeenChatRequest['body'];
      requests.push({ authorization: req.headers.authorization, body });
      const reply = queue.shift();
      const answer = () => {
        if (!reply) return send(res, 500, { error: { message: 'test server has no scripted reply' } });
        if (reply.status) return send(res, reply.status, reply.body ?? {}, reply.headers);
        send(res, 200, {
          id: `chatcmpl-${requests.length}`,
          object: 'chat.completion',
          model: body.model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: reply.content ?? null, refusal: reply.refusal ?? null },
              finish_reason: reply.finishReason ?? 'stop',
            },
          ],
          usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
        });
      };
      if (reply?.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) answer();
        }, reply.delayMs);
        timers.add(timer);
      } else answer();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...replies) => queue.push(...replies),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
