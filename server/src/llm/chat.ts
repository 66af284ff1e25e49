import type { Validator } from '@cfworker/json-schema';
import type { OutboundFetchOptions } from '../actions/services.js';
import { OutboundRequestError, type SafeFetchInit, type SafeFetchResponse } from '../net/index.js';
import { judgeAnswer, type ResponseFormat } from './answer.js';
import { LlmCallError } from './errors.js';
import type { LlmModel } from './models.js';

export interface ChatRequest {
  model: LlmModel;
  /** The user message: instructions, context and prompt already put together. */
  content: string;
  format: ResponseFormat;
  schema?: Record<string, unknown>;
  validator?: Validator;
  hallucinationMarker?: string;
  /** Epoch ms by which the whole call, retries and rate-limit waits included, must be done. */
  deadline: number;
}

export interface ChatDeps {
  fetch(url: string, init: SafeFetchInit, options: OutboundFetchOptions): Promise<SafeFetchResponse>;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  now(): number;
  signal: AbortSignal;
}

export interface ChatResult {
  value: unknown;
  /** Requests sent, rate-limited ones included. */
  requests: number;
  /** Answers rejected before the accepted one, and why. */
  rejected: string[];
  finishReason?: string;
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number };
}

type Message = { role: 'user' | 'assistant'; content: string };

/** How many 429/503 answers one call waits out; the deadline usually ends it sooner. */
const MAX_RATE_LIMIT_WAITS = 5;
const MAX_REPLY_BYTES = 4 * 1024 * 1024;

function responseFormatField(request: ChatRequest): Record<string, unknown> | undefined {
  const can = (capability: string) => request.model.capabilities.includes(capability as never);
  if (request.format === 'json_schema' && request.schema && can('json_schema')) {
    return { type: 'json_schema', json_schema: { name: 'response', schema: request.schema } };
  }
  if (request.format !== 'text' && can('json_object')) return { type: 'json_object' };
  return undefined;
}

/** Seconds or an HTTP date (RFC 9110), plus OpenAI's `retry-after-ms`; undefined when absent or garbled. */
export function retryAfterMs(headers: Record<string, string>, now: number): number | undefined {
  const ms = Number(headers['retry-after-ms']);
  if (headers['retry-after-ms'] && Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers['retry-after']?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw) * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The server's own error text, cut short and with the key blotted out should a server echo it. */
function serverMessage(response: SafeFetchResponse, apiKey: string | undefined): string {
  const json = response.json as { error?: { message?: unknown } | string } | undefined;
  const raw =
    typeof json?.error === 'string'
      ? json.error
      : typeof json?.error?.message === 'string'
        ? json.error.message
        : response.body;
  const text = raw.slice(0, 300);
  return apiKey ? text.split(apiKey).join('***') : text;
}

interface Choice {
  message?: { content?: unknown; refusal?: unknown };
  finish_reason?: string;
}

/**
 * One `llm_call`: POST /chat/completions until an answer passes judgement or the attempts run out.
 * A rejected answer is fed back with what was wrong; 429/503 are waited out when Retry-After fits
 * before the deadline. Timeouts, refusals and other HTTP errors end the call at once.
 */
export async function chat(request: ChatRequest, deps: ChatDeps): Promise<ChatResult> {
  const { model } = request;
  const messages: Message[] = [{ role: 'user', content: request.content }];
  const rejected: string[] = [];
  let requests = 0;
  let rateLimitWaits = 0;
  const format = responseFormatField(request);
  for (;;) {
    const remaining = request.deadline - deps.now();
    if (remaining <= 0) throw new LlmCallError('llm_timeout', `model "${model.name}" ran out of time`);
    const timeoutMs = Math.min(model.timeoutMs, remaining);
    requests++;
    let response: SafeFetchResponse;
    try {
      response = await deps.fetch(
        `${model.baseUrl}/chat/completions`,
        {
          method: 'POST',
          headers: model.apiKey ? { authorization: `Bearer ${model.apiKey}` } : {},
          json: {
            model: model.model,
            messages,
            ...(model.temperature !== undefined && { temperature: model.temperature }),
            ...(model.maxTokens !== undefined && { max_tokens: model.maxTokens }),
            ...(format && { response_format: format }),
          },
          signal: deps.signal,
        },
        { timeoutMs, maxResponseBytes: MAX_REPLY_BYTES },
      );
    } catch (error) {
      if (error instanceof OutboundRequestError && error.code === 'timeout') {
        throw new LlmCallError('llm_timeout', `model "${model.name}" did not answer within ${timeoutMs} ms`, {
          cause: error,
        });
      }
      throw error;
    }

    if (response.status === 429 || response.status === 503) {
      const wait = retryAfterMs(response.headers, deps.now()) ?? 1000 * 2 ** rateLimitWaits;
      const left = request.deadline - deps.now();
      if (rateLimitWaits >= MAX_RATE_LIMIT_WAITS || wait >= left) {
        throw new LlmCallError(
          'llm_rate_limited',
          `model "${model.name}" is busy (${response.status}) and asked to retry in ${Math.ceil(wait / 1000)} s, ${
            wait >= left ? 'after the step’s deadline' : `still busy after ${rateLimitWaits} waits`
          }`,
        );
      }
      rateLimitWaits++;
      await deps.sleep(wait, deps.signal);
      continue;
    }
    if (response.status < 200 || response.status > 299) {
      throw new LlmCallError(
        'llm_http_error',
        `model "${model.name}" answered ${response.status}: ${serverMessage(response, model.apiKey)}`,
      );
    }

    const reply = response.json as { choices?: Choice[]; usage?: ChatResult['usage'] } | undefined;
    const choice = reply?.choices?.[0];
    if (!choice?.message) {
      throw new LlmCallError(
        'llm_bad_reply',
        `model "${model.name}" sent no choices (not an OpenAI-compatible reply)`,
      );
    }
    const { content, refusal } = choice.message;
    if (typeof refusal === 'string' && refusal) {
      throw new LlmCallError('llm_refused', `model "${model.name}" refused: ${refusal.slice(0, 500)}`);
    }
    if (choice.finish_reason === 'content_filter') {
      throw new LlmCallError('llm_refused', `model "${model.name}" withheld its answer (content filter)`);
    }
    const text = typeof content === 'string' ? content : '';
    const judgement = judgeAnswer(text, request.format, request);
    if (judgement.ok) {
      return {
        value: judgement.value,
        requests,
        rejected,
        ...(choice.finish_reason && { finishReason: choice.finish_reason }),
        ...(reply?.usage && { usage: reply.usage }),
      };
    }
    rejected.push(judgement.problem);
    if (rejected.length > model.maxRetries) {
      throw new LlmCallError(
        'llm_invalid_response',
        `model "${model.name}" gave no usable answer in ${rejected.length} attempts; last: ${judgement.problem}`,
      );
    }
    // Show the model its own answer and what was wrong with it: a second try then rarely repeats it.
    messages.push(
      { role: 'assistant', content: text },
      { role: 'user', content: `That answer was rejected: ${judgement.problem}. Answer again, correctly.` },
    );
  }
}
