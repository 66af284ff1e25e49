import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import {
  HomeAssistantSettingsError,
  parseHomeAssistantSettings,
  type HomeAssistantSettings,
} from '../homeassistant/settings.js';
import { LlmModelsError, parseLlmModels, type LlmModelRegistry } from '../llm/models.js';
import { parseOutboundAllowlist, type OutboundPolicy } from '../net/index.js';

export interface KinflowConfig {
  port: number;
  host: string;
  dataDir: string;
  /** KINFLOW_PUBLIC_URL: the address tablets reach the server at (pairing links); http://localhost:<port> when unset. */
  publicUrl?: string;
  /** Absolute path of the SQLite file, or ':memory:'. */
  sqlitePath: string;
  adminEmail?: string;
  adminPassword?: string;
  apiKey?: string;
  /** Serve GraphiQL at /graphql (on outside production). */
  graphiql: boolean;
  /** Where the built PWA lives; served at / when present. */
  pwaDir: string;
  /** Load the demo household on an empty database. */
  demo: boolean;
  /** Print credentials and URLs on start. */
  quiet: boolean;
  timezone: string;
  /** Hosts and CIDRs outbound requests may reach although private (KINFLOW_OUTBOUND_ALLOW). */
  outbound: OutboundPolicy;
  /** KINFLOW_SECRET_KEY (32 bytes, hex or base64) for secrets at rest; else `<dataDir>/secret.key`. */
  secretKey?: string;
  /** Redis for several instances (REDIS_URL): GraphQL subscription events travel through it; unset = in process. */
  redisUrl?: string;
  /** Prefix of Kinflow's Redis channels (KINFLOW_REDIS_PREFIX), so deployments can share one Redis. */
  redisPrefix: string;
  /** MQTT broker to take telemetry from (MQTT_URL, e.g. mqtt://127.0.0.1:1883); off when unset. */
  mqttUrl?: string;
  /** First topic level Kinflow listens under (KINFLOW_MQTT_PREFIX): <prefix>/<node>/<metric>. */
  mqttTopicPrefix: string;
  /**
   * MQTT client id of the persistent session (KINFLOW_MQTT_CLIENT_ID): the broker keeps unacknowledged
   * QoS 1 readings for it across a restart. Default `kinflow-<hash of host and database path>`, stable
   * across restarts of one installation and distinct between installations.
   */
  mqttClientId: string;
  /** How often the scheduler checks schedules, heartbeats and sensor `for` durations. */
  schedulerTickMs: number;
  /** Default rate limit of every webhook trigger URL (KINFLOW_WEBHOOK_RATE_PER_MINUTE, KINFLOW_WEBHOOK_BURST). */
  webhookRateLimit: { perMinute: number; burst: number };
  /** Silence after which a node's status becomes offline (node_event triggers may ask for others). */
  nodeOfflineSeconds: number;
  /** Execution events kept replayable for reconnecting subscribers (KINFLOW_EVENT_LOG_SIZE). */
  eventLogSize: number;
  /**
   * Create a node for readings and events naming an unknown one (KINFLOW_TELEMETRY_AUTO_REGISTER).
   * Off by default: a typo in a sensor's config would otherwise invent nodes.
   */
  telemetryAutoRegister: boolean;
  /** Browser origins allowed to call the API and open WebSockets besides our own (KINFLOW_CORS_ORIGINS). */
  corsOrigins: string[];
  /**
   * Who may run introspection queries (KINFLOW_INTROSPECTION): `all`, `authenticated` (default in
   * production) or `off`.
   */
  introspection: 'all' | 'authenticated' | 'off';
  /** Development mode (NODE_ENV is not production): error details and stack traces are shown. */
  development: boolean;
  /** Models `llm_call` may use (KINFLOW_LLM_MODELS: inline JSON or a YAML/JSON file); empty when unset. */
  llmModels: LlmModelRegistry;
  /** Home Assistant for `ha_service` and `ha_state` (KINFLOW_HOME_ASSISTANT_URL + _TOKEN); off when unset. */
  homeAssistant?: HomeAssistantSettings;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 4000;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be an integer between 0 and 65535, got "${raw}"`);
  }
  return port;
}

function defaultMqttClientId(databaseIdentity: string): string {
  const hash = createHash('sha256').update(`${os.hostname()}\n${databaseIdentity}`).digest('hex');
  return `kinflow-${hash.slice(0, 16)}`;
}

function sqlitePathFrom(databaseUrl: string | undefined, dataDir: string): string {
  if (!databaseUrl) return path.join(dataDir, 'kinflow.sqlite');
  if (databaseUrl === ':memory:' || databaseUrl === 'sqlite::memory:') return ':memory:';
  const match = /^(?:sqlite|file):(?:\/\/)?(.+)$/.exec(databaseUrl);
  if (match?.[1]) return path.resolve(match[1]);
  throw new ConfigError(
    `DATABASE_URL "${databaseUrl.replace(/\/\/[^@]*@/, '//***@')}" is not supported: use sqlite:/path/to/file.sqlite (PostgreSQL arrives with the scale-out work)`,
  );
}

function parseOutbound(raw: string | undefined): OutboundPolicy {
  try {
    return parseOutboundAllowlist(raw);
  } catch (error) {
    throw new ConfigError(`KINFLOW_OUTBOUND_ALLOW: ${(error as Error).message}`);
  }
}

function parseSeconds(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new ConfigError(`${name} must be a positive number of seconds, got "${raw}"`);
  }
  return seconds;
}

function parseCount(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1) {
    throw new ConfigError(`${name} must be a positive whole number, got "${raw}"`);
  }
  return count;
}

function parseTopicPrefix(raw: string | undefined): string {
  if (raw === undefined || raw === '') return 'kinflow';
  // Wildcards or a trailing slash would change what the subscriptions match.
  if (/[+#]/.test(raw) || raw.includes('\u0000') || raw.startsWith('/') || raw.endsWith('/')) {
    throw new ConfigError(
      `KINFLOW_MQTT_PREFIX must be topic levels without + or # or outer slashes, got "${raw}"`,
    );
  }
  return raw;
}

function parseOrigins(raw: string | undefined): string[] {
  if (!raw) return [];
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      let url: URL;
      try {
        url = new URL(entry);
      } catch {
        throw new ConfigError(
          `KINFLOW_CORS_ORIGINS: "${entry}" is not an origin like https://app.example.org`,
        );
      }
      if (url.origin === 'null' || url.pathname !== '/' || url.search || url.hash)
        throw new ConfigError(`KINFLOW_CORS_ORIGINS: "${entry}" must be scheme://host[:port] only`);
      return url.origin;
    });
}

function parseIntrospection(raw: string | undefined, production: boolean): KinflowConfig['introspection'] {
  if (raw === undefined || raw === '') return production ? 'authenticated' : 'all';
  if (raw === 'all' || raw === 'authenticated' || raw === 'off') return raw;
  throw new ConfigError(`KINFLOW_INTROSPECTION must be all, authenticated or off, got "${raw}"`);
}

function parseIntegrations(env: NodeJS.ProcessEnv) {
  try {
    return {
      llmModels: parseLlmModels(env.KINFLOW_LLM_MODELS, env),
      homeAssistant: parseHomeAssistantSettings(
        env.KINFLOW_HOME_ASSISTANT_URL || undefined,
        env.KINFLOW_HOME_ASSISTANT_TOKEN || undefined,
      ),
    };
  } catch (error) {
    if (error instanceof LlmModelsError) throw new ConfigError(`KINFLOW_LLM_MODELS: ${error.message}`);
    if (error instanceof HomeAssistantSettingsError) throw new ConfigError(error.message);
    throw error;
  }
}

const truthy = (value: string | undefined): boolean => value === '1' || value === 'true' || value === 'yes';

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<KinflowConfig> = {},
): KinflowConfig {
  const dataDir = path.resolve(env.KINFLOW_DATA_DIR ?? './data');
  const config: KinflowConfig = {
    port: parsePort(env.PORT),
    host: env.HOST ?? '0.0.0.0',
    dataDir,
    sqlitePath: sqlitePathFrom(env.DATABASE_URL, dataDir),
    adminEmail: env.KINFLOW_ADMIN_EMAIL || undefined,
    adminPassword: env.KINFLOW_ADMIN_PASSWORD || undefined,
    apiKey: env.KINFLOW_API_KEY || undefined,
    graphiql: env.NODE_ENV !== 'production',
    pwaDir: path.resolve(env.KINFLOW_PWA_DIR ?? new URL('../../../pwa/dist', import.meta.url).pathname),
    demo: env.KINFLOW_DEMO === undefined ? true : truthy(env.KINFLOW_DEMO),
    quiet: truthy(env.KINFLOW_QUIET),
    timezone: env.KINFLOW_TIMEZONE ?? env.TZ ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    outbound: parseOutbound(env.KINFLOW_OUTBOUND_ALLOW),
    secretKey: env.KINFLOW_SECRET_KEY || undefined,
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix: env.KINFLOW_REDIS_PREFIX || 'kinflow:',
    mqttUrl: env.MQTT_URL || undefined,
    mqttTopicPrefix: parseTopicPrefix(env.KINFLOW_MQTT_PREFIX),
    mqttClientId:
      env.KINFLOW_MQTT_CLIENT_ID || defaultMqttClientId(sqlitePathFrom(env.DATABASE_URL, dataDir)),
    nodeOfflineSeconds: parseSeconds('KINFLOW_NODE_OFFLINE_SECONDS', env.KINFLOW_NODE_OFFLINE_SECONDS, 120),
    schedulerTickMs:
      parseSeconds('KINFLOW_SCHEDULER_TICK_SECONDS', env.KINFLOW_SCHEDULER_TICK_SECONDS, 30) * 1000,
    webhookRateLimit: {
      perMinute: parseCount('KINFLOW_WEBHOOK_RATE_PER_MINUTE', env.KINFLOW_WEBHOOK_RATE_PER_MINUTE, 30),
      burst: parseCount('KINFLOW_WEBHOOK_BURST', env.KINFLOW_WEBHOOK_BURST, 10),
    },
    telemetryAutoRegister: truthy(env.KINFLOW_TELEMETRY_AUTO_REGISTER),
    corsOrigins: parseOrigins(env.KINFLOW_CORS_ORIGINS),
    introspection: parseIntrospection(env.KINFLOW_INTROSPECTION, env.NODE_ENV === 'production'),
    development: env.NODE_ENV !== 'production',
    eventLogSize: parseCount('KINFLOW_EVENT_LOG_SIZE', env.KINFLOW_EVENT_LOG_SIZE, 100_000),
    publicUrl: env.KINFLOW_PUBLIC_URL?.replace(/\/+$/, '') || undefined,
    ...parseIntegrations(env),
    ...overrides,
  };
  if (config.apiKey !== undefined && !/^kfk_[A-Za-z0-9_-]{24,}$/.test(config.apiKey)) {
    throw new ConfigError(
      'KINFLOW_API_KEY must look like kfk_ followed by at least 24 letters, digits, - or _',
    );
  }
  // The bounds a webhook step's own rateLimit has too (triggers/webhook-limits.ts).
  if (config.webhookRateLimit.perMinute > 600_000 || config.webhookRateLimit.burst > 10_000) {
    throw new ConfigError(
      'KINFLOW_WEBHOOK_RATE_PER_MINUTE must be at most 600000 and KINFLOW_WEBHOOK_BURST at most 10000',
    );
  }
  if ((config.adminEmail === undefined) !== (config.adminPassword === undefined)) {
    throw new ConfigError('KINFLOW_ADMIN_EMAIL and KINFLOW_ADMIN_PASSWORD must be given together');
  }
  if (config.adminPassword !== undefined && config.adminPassword.length < 8) {
    throw new ConfigError('KINFLOW_ADMIN_PASSWORD must be at least 8 characters');
  }
  return config;
}
