/** KINFLOW_HOME_ASSISTANT_URL and KINFLOW_HOME_ASSISTANT_TOKEN; the token never leaves this object. */
export interface HomeAssistantSettings {
  /** Base URL without a trailing slash, e.g. http://homeassistant.local:8123. */
  url: string;
  /** A long-lived access token (HA profile → Security). */
  token: string;
}

export class HomeAssistantSettingsError extends Error {
  override name = 'HomeAssistantSettingsError';
}

/** Both variables or neither; the URL must be http(s) with no path beyond the base. */
export function parseHomeAssistantSettings(
  url: string | undefined,
  token: string | undefined,
): HomeAssistantSettings | undefined {
  if (!url && !token) return undefined;
  if (!url || !token) {
    throw new HomeAssistantSettingsError(
      'KINFLOW_HOME_ASSISTANT_URL and KINFLOW_HOME_ASSISTANT_TOKEN must be given together',
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HomeAssistantSettingsError(`KINFLOW_HOME_ASSISTANT_URL "${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new HomeAssistantSettingsError('KINFLOW_HOME_ASSISTANT_URL must be an http(s) URL');
  }
  if (parsed.username || parsed.password || parsed.search || parsed.hash) {
    throw new HomeAssistantSettingsError(
      'KINFLOW_HOME_ASSISTANT_URL must be scheme://host[:port][/path] without credentials or query',
    );
  }
  return { url: parsed.href.replace(/\/+$/, ''), token };
}

/** The REST and WebSocket endpoints under the base URL (HA may sit behind a path prefix). */
export const serviceUrl = (settings: HomeAssistantSettings, domain: string, service: string): string =>
  `${settings.url}/api/services/${domain}/${service}`;

export const websocketUrl = (settings: HomeAssistantSettings): string =>
  `${settings.url.replace(/^http/, 'ws')}/api/websocket`;
