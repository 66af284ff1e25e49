import type { OutboundFetchOptions } from '../actions/services.js';
import type { SafeFetchInit, SafeFetchResponse } from '../net/index.js';
import { serviceUrl, type HomeAssistantSettings } from './settings.js';

/** Domains and services are HA slugs; anything else could walk out of /api/services/. */
export const HA_SLUG = /^[a-z0-9_]+$/;

export class HomeAssistantError extends Error {
  override name = 'HomeAssistantError';
  constructor(
    readonly code: 'ha_unauthorized' | 'ha_not_found' | 'ha_bad_request' | 'ha_error' | 'ha_invalid_name',
    message: string,
  ) {
    super(message);
  }
}

export interface ServiceCall {
  domain: string;
  service: string;
  /** Service data; `entity_id` included when the call targets an entity. */
  data: Record<string, unknown>;
  /** Ask HA for the service's response data (HA 2023.7+; only services that return data accept it). */
  returnResponse?: boolean;
}

export interface ServiceCallResult {
  /** The states HA reports as changed by the call. */
  changedStates: unknown[];
  serviceResponse?: unknown;
}

type Fetch = (url: string, init: SafeFetchInit, options: OutboundFetchOptions) => Promise<SafeFetchResponse>;

function haMessage(response: SafeFetchResponse): string {
  const json = response.json as { message?: unknown } | undefined;
  return (typeof json?.message === 'string' ? json.message : response.body).slice(0, 300);
}

/** POST /api/services/<domain>/<service> with the long-lived token; the token never reaches an error. */
export async function callService(
  settings: HomeAssistantSettings,
  call: ServiceCall,
  fetch: Fetch,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<ServiceCallResult> {
  for (const [field, value] of [
    ['domain', call.domain],
    ['service', call.service],
  ] as const) {
    if (!HA_SLUG.test(value)) {
      throw new HomeAssistantError(
        'ha_invalid_name',
        `${field} "${value}" must be lower-case letters, digits and _`,
      );
    }
  }
  const url = `${serviceUrl(settings, call.domain, call.service)}${call.returnResponse ? '?return_response' : ''}`;
  const response = await fetch(
    url,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${settings.token}` },
      json: call.data,
      ...(options.signal && { signal: options.signal }),
    },
    { timeoutMs: options.timeoutMs, maxResponseBytes: 2 * 1024 * 1024 },
  );
  const what = `${call.domain}.${call.service}`;
  if (response.status === 401 || response.status === 403) {
    throw new HomeAssistantError(
      'ha_unauthorized',
      `Home Assistant refused the token (${response.status}) for ${what}`,
    );
  }
  if (response.status === 404) {
    throw new HomeAssistantError('ha_not_found', `Home Assistant has no service ${what}`);
  }
  if (response.status === 400) {
    throw new HomeAssistantError('ha_bad_request', `Home Assistant rejected ${what}: ${haMessage(response)}`);
  }
  if (response.status < 200 || response.status > 299) {
    throw new HomeAssistantError(
      'ha_error',
      `Home Assistant answered ${response.status} for ${what}: ${haMessage(response)}`,
    );
  }
  const body = response.json;
  if (call.returnResponse && body && typeof body === 'object' && !Array.isArray(body)) {
    const { changed_states: changed, service_response: serviceResponse } = body as Record<string, unknown>;
    return { changedStates: Array.isArray(changed) ? changed : [], serviceResponse };
  }
  return { changedStates: Array.isArray(body) ? body : [] };
}
