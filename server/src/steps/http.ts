import { idempotencyKey, withIdempotencyKey } from '../net/idempotency.js';
import { z } from 'zod';
import { actionServices } from '../actions/services.js';
import { targetOf } from '../channels/post.js';
import { headersSchema } from '../channels/webhook.js';
import { defineStepType, ERROR_PORT, MAIN_PORT } from './step-type.js';

/** Text bodies beyond this are cut in the output (the timeline stores at most 64 KB per step anyway). */
const MAX_TEXT_CHARS = 64 * 1024;

export class HttpStatusError extends Error {
  override name = 'HttpStatusError';
  readonly code = 'http_status';
  constructor(
    readonly status: number,
    target: string,
  ) {
    super(`${target} answered ${status}`);
  }
}

export default defineStepType({
  type: 'http',
  category: 'action',
  title: 'HTTP request',
  description:
    'Sends an HTTP request and outputs status, ok, headers and body (parsed JSON when the reply is JSON) for a following “Check a result” step. A non-2xx reply is an output, not an error, unless “fail on error status” is on.',
  configSchema: z
    .object({
      method: z
        .enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'])
        .default('GET')
        .describe('HTTP method'),
      url: z.string().min(1).max(2000).describe('http(s) URL; private addresses only when allow-listed'),
      headers: headersSchema,
      body: z
        .unknown()
        .optional()
        .describe('JSON body (templates rendered); sent with content-type application/json'),
      timeoutSeconds: z.number().positive().max(300).default(30).describe('Time limit for the request'),
      failOnError: z
        .boolean()
        .default(false)
        .describe('Fail the step (so its error strategy applies) when the status is not 2xx'),
      maxResponseKB: z
        .number()
        .int()
        .positive()
        .max(5120)
        .default(1024)
        .describe('Larger replies fail the step instead of being read'),
    })
    .strict()
    .refine((config) => config.body === undefined || !['GET', 'HEAD'].includes(config.method), {
      message: 'GET and HEAD requests cannot have a body',
      path: ['body'],
    }),
  ports: [MAIN_PORT, ERROR_PORT],
  declaredDurationMs: (config) => config.timeoutSeconds * 1000,
  writes: () => ['status', 'ok', 'headers', 'body'],
  run: async (context) => {
    const { config, signal } = context;
    const services = actionServices(context);
    const request = {
      method: config.method,
      headers: withIdempotencyKey(
        config.headers,
        idempotencyKey(context.execution.id, context.step.key, context.step.instance),
      ),
      ...(config.body !== undefined && { json: config.body }),
    };
    if (services.dryRun) {
      // testStep sends nothing: even a GET can have side effects on the other end.
      return { output: { dryRun: true, wouldSend: { ...request, target: targetOf(config.url) } } };
    }
    const response = await services.outbound.fetch(
      config.url,
      { ...request, signal },
      { timeoutMs: config.timeoutSeconds * 1000, maxResponseBytes: config.maxResponseKB * 1024 },
    );
    const ok = response.status >= 200 && response.status <= 299;
    if (!ok && config.failOnError) throw new HttpStatusError(response.status, targetOf(config.url));
    const truncated = response.json === undefined && response.body.length > MAX_TEXT_CHARS;
    return {
      output: {
        status: response.status,
        ok,
        headers: response.headers,
        body: response.json ?? (truncated ? response.body.slice(0, MAX_TEXT_CHARS) : response.body),
        ...(truncated && { bodyTruncated: true }),
        url: response.url,
      },
    };
  },
});
