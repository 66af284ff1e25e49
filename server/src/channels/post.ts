import type { SafeFetchResponse } from '../net/index.js';
import type { ChannelContext } from './channel.js';

/** An endpoint answered, but not with 2xx. `code` lets the run's error say why without parsing text. */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  readonly code = 'delivery_failed';
  constructor(
    readonly status: number,
    readonly target: string,
    body: string,
  ) {
    super(`${target} answered ${status}${body ? `: ${body.slice(0, 200)}` : ''}`);
  }
}

/** Host (and port) of a URL: webhook URLs carry their secret in the path, so outputs show only this. */
export function targetOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid URL';
  }
}

/**
 * POSTs a JSON body through the outbound policy (SSRF guard) and throws DeliveryError unless the answer
 * is 2xx, so callers (channels, webhook_out) treat "sent but refused" as the failure it is.
 */
export async function postJson(
  context: ChannelContext,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<SafeFetchResponse> {
  const response = await context.services.outbound.fetch(
    url,
    { method: 'POST', headers, json: body, signal: context.signal },
    { timeoutMs: context.timeoutMs, maxResponseBytes: 256 * 1024 },
  );
  if (response.status < 200 || response.status > 299) {
    throw new DeliveryError(response.status, targetOf(url), response.body);
  }
  return response;
}

/** `configured` of a channel that POSTs to a webhook URL: an empty URL is a draft, not an error. */
export const hasWebhookUrl = (settings: { url: string }): boolean => settings.url.trim() !== '';

/** `deliver` of a channel that POSTs its payload as JSON to `settings.url` (with any extra headers). */
export async function deliverToWebhook(
  payload: unknown,
  settings: { url: string; headers?: Record<string, string> },
  context: ChannelContext,
): Promise<{ status: number }> {
  const response = await postJson(context, settings.url, payload, settings.headers);
  return { status: response.status };
}
