import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { bootstrapIdentity } from './auth/bootstrap.js';
import { loadConfig, type KinflowConfig } from './config/index.js';
import { lockDataFolder } from './db/data-lock.js';
import { prepareDataFiles } from './config/data-files.js';
import { openDatabase } from './db/orm.js';
import { WalCheckpointer } from './db/wal-checkpointer.js';
import { rawDatabase } from './engine/sqlite.js';
import { sealStoredSecrets } from './flows/seal-stored.js';
import { loadDemoHousehold } from './demo/household.js';
import { BundleService } from './bundles/index.js';
import { VariableService } from './variables/service.js';
import { ActivityStore } from './activities/store.js';
import { createKinflowReads } from './queries/reads.js';
import { ActionTemplateService } from './flows/action-templates.js';
import { FlowService } from './flows/service.js';
import { createActionServices } from './actions/index.js';
import { FlowEngine } from './engine/engine.js';
import { checkFlowExpressions } from './engine/validation.js';
import type { AppPubSub, AppPubSubTopics, AppServices } from './graphql/context.js';
import { createHttpServer } from './http/server.js';
import { loadOrCreateSecretKey, SecretBox } from './crypto/secret-box.js';
import { discoverStepTypes } from './steps/registry.js';
import { startTelemetry } from './telemetry/runtime.js';
import { TriggerRuntime } from './triggers/runtime.js';
import { HomeAssistantConnection } from './homeassistant/index.js';
import { EngineError } from './engine/errors.js';
import { AccessEvents } from './auth/access.js';
import { CachedAuthenticator } from './auth/access-cache.js';
import { LoginThrottle } from './auth/login-throttle.js';
import { createEventTransport } from './scaleout/event-transport.js';
import { createLimiterStore } from './scaleout/limiter-store.js';
import { relayCacheInvalidation } from './scaleout/cache-relay.js';
import {
  CareService,
  createCareStepServices,
  createPairing,
  infoCardChecks,
  pairingLink,
} from './care/index.js';

/** A trigger that fires just as its flow is disabled or deleted is not an error worth reporting. */
function ignoreRaces(error: unknown): undefined {
  if (error instanceof EngineError && (error.code === 'flow_disabled' || error.code === 'not_found')) return;
  throw error;
}

export interface StartOptions {
  /** Environment to read configuration from; process.env by default. */
  env?: Record<string, string | undefined>;
  port?: number;
  host?: string;
  dataDir?: string;
  demo?: boolean;
  quiet?: boolean;
}

export interface StartedKinflow {
  url: string;
  port: number;
  config: KinflowConfig;
  /** What the first start created; the password and key are only known on that start. */
  credentials: {
    adminEmail: string;
    adminPassword?: string;
    apiKey?: string;
    deviceToken?: string;
    /** First start with the demo: a 10-minute link that pairs the kitchen tablet. */
    pairingUrl?: string;
  };
  close(): Promise<void>;
}

export async function startKinflow(options: StartOptions = {}): Promise<StartedKinflow> {
  const env = { ...(options.env ?? process.env) };
  if (options.dataDir) env.KINFLOW_DATA_DIR = options.dataDir;
  const config = loadConfig(env, {
    ...(options.port !== undefined && { port: options.port }),
    ...(options.host !== undefined && { host: options.host }),
    ...(options.demo !== undefined && { demo: options.demo }),
    ...(options.quiet !== undefined && { quiet: options.quiet }),
  });
  // Before the database is even opened: a second server must not resume the first one's runs.
  prepareDataFiles(config.dataDir, config.sqlitePath);
  const lock = config.sqlitePath === ':memory:' ? undefined : lockDataFolder(config.sqlitePath);
  const orm = await openDatabase(config.sqlitePath).catch((error: unknown) => {
    lock?.release();
    throw error;
  });
  // Checkpoints run in a worker so no request pays for copying the WAL into the database file.
  const checkpointer =
    config.sqlitePath === ':memory:'
      ? undefined
      : WalCheckpointer.start(await rawDatabase(orm), config.sqlitePath, { startAfterWalBytes: 1024 * 1024 });
  // Step types that need a setting (llm_call, ha_service, ha_state) are checked against these.
  const stepSettings = { llmModels: config.llmModels, homeAssistant: config.homeAssistant };
  const registry = await discoverStepTypes(undefined, stepSettings);
  const secrets = new SecretBox(loadOrCreateSecretKey(config.secretKey, config.dataDir));
  const db = await rawDatabase(orm);
  // Steps saved before secret settings were sealed are sealed now, before anything reads them.
  sealStoredSecrets(db, registry, secrets);
  const activities = new ActivityStore(db);
  const care = new CareService(db);
  // Telemetry starts after the engine; the query step looks its store up when it runs.
  const started: { telemetry?: Awaited<ReturnType<typeof startTelemetry>> } = {};
  // Wait timers in BullMQ with REDIS_URL (loaded only then), so Redis, not one process, holds them.
  const waitSchedulers = config.redisUrl
    ? await (
        await import('./scaleout/bullmq-waits.js')
      ).createBullWaitSchedulers({
        redisUrl: config.redisUrl,
        prefix: `${config.redisPrefix}bull`,
        database: `${os.hostname()}\n${config.sqlitePath}`,
      })
    : undefined;
  const engine = new FlowEngine({
    orm,
    registry,
    secrets,
    ...(waitSchedulers && { waitScheduler: waitSchedulers.factory }),
    timezone: config.timezone,
    eventLogSize: config.eventLogSize,
    // Outbound HTTP (SSRF policy), node lookup and SSH for the action steps and notification channels;
    // the activity store for activity_record and verification; tablets for the care steps.
    services: {
      ...createActionServices({ orm, config, secrets, registry }),
      activities,
      care: createCareStepServices(care, db),
      // query: alerts and runs on the engine's connection, telemetry from the store started below.
      reads: createKinflowReads({ db: () => db, telemetry: () => started.telemetry?.store }),
      settings: stepSettings,
    },
  });
  // In process, or through Redis (REDIS_URL) so every instance's subscribers hear every instance's runs.
  const events = await createEventTransport<AppPubSubTopics>({
    redisUrl: config.redisUrl,
    channelPrefix: config.redisPrefix,
  });
  const pubsub: AppPubSub = events.pubsub;
  // Webhook and login rate-limit counters: in process, or in Redis so the limits are cluster-wide.
  const limiterStore = await createLimiterStore({ redisUrl: config.redisUrl, prefix: config.redisPrefix });
  // Telemetry: intake for GraphQL, REST and MQTT (when MQTT_URL is set), latest values, node liveness.
  const telemetry = await startTelemetry({ orm, config, offlineAfterSeconds: config.nodeOfflineSeconds });
  started.telemetry = telemetry;
  engine.events.subscribe((event) => pubsub.publish('execution', event));
  engine.alertEvents.subscribe((event) => pubsub.publish('alert', event));
  engine.events.subscribe((event) => care.onExecutionEvent(event));
  // Expression problems are reported as `invalid_expression`, with the parser's message and position.
  const flows = new FlowService(
    registry,
    [
      (steps, edges) =>
        checkFlowExpressions(steps, edges, registry).map(({ code: _code, ...issue }) => issue),
      infoCardChecks(db),
    ],
    secrets,
  );

  const em = orm.em.fork();
  const identity = await bootstrapIdentity(em, config);
  const demo = identity.created && config.demo ? await loadDemoHousehold(em, flows) : undefined;

  await engine.start();
  await care.start(engine);
  // One WebSocket to Home Assistant for every ha_state trigger, opened only while one exists.
  const homeAssistant =
    config.homeAssistant &&
    new HomeAssistantConnection({
      settings: config.homeAssistant,
      policy: config.outbound,
      onStatus: (status, detail) => {
        if (detail && !config.quiet) console.warn(`home assistant: ${status}: ${detail}`);
      },
    });
  const triggers = await TriggerRuntime.start({
    orm,
    registry,
    telemetry,
    ...(homeAssistant && { homeAssistant }),
    tickMs: config.schedulerTickMs,
    webhookRateLimit: config.webhookRateLimit,
    limiterStore,
    start: (fire) => engine.trigger(fire).catch(ignoreRaces),
  });
  flows.onChange((flowId) => triggers.syncFlow(flowId));
  flows.stopRunsWith((flowId) => engine.stopFlowRuns(flowId));
  const actionTemplates = new ActionTemplateService(registry, secrets);
  const access = new AccessEvents();
  const stopAccessRelay = config.redisUrl ? relayAccessEvents(access, pubsub) : async () => {};
  const stopCacheRelay = config.redisUrl
    ? relayCacheInvalidation(pubsub, { flows, triggers, webhooks: triggers.webhooks, nodes: telemetry })
    : async () => {};
  const services: AppServices = {
    config,
    registry,
    engine,
    pubsub,
    access,
    authenticator: new CachedAuthenticator(orm, access),
    loginThrottle: new LoginThrottle(limiterStore),
    flows,
    actionTemplates,
    bundles: new BundleService({ registry, flows, actionTemplates }),
    variables: new VariableService(engine),
    activities,
    secrets,
    telemetry,
    triggers,
    care,
  };
  const { server, wsServer } = createHttpServer(orm, services);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://localhost:${port}`;
  config.publicUrl ??= url;
  const pairingUrl = demo && pairingLink(config.publicUrl, (await createPairing(em, demo.device)).code);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      care.stop();
      for (const client of wsServer.clients) client.terminate();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await telemetry.stop(); // flushes every acknowledged reading before the database closes
      await triggers.stop();
      homeAssistant?.close();
      await engine.stop();
      await waitSchedulers?.close();
      await stopAccessRelay();
      await stopCacheRelay();
      await events.close();
      await limiterStore.close();
      await checkpointer?.stop();
      await orm.close();
      lock?.release();
    })());

  return {
    url,
    port,
    config,
    credentials: {
      adminEmail: identity.adminEmail,
      adminPassword: identity.adminPassword,
      apiKey: identity.apiKey,
      deviceToken: demo?.deviceToken,
      pairingUrl,
    },
    close,
  };
}

/** Revocations made on any instance end streams and evict token caches on every instance. */
function relayAccessEvents(access: AccessEvents, pubsub: AppPubSub): () => Promise<void> {
  const origin = randomUUID();
  access.relayTo((event) => pubsub.publish('access', { origin, event }));
  const incoming = pubsub.subscribe('access');
  void (async () => {
    for await (const message of incoming) if (message.origin !== origin) access.deliver(message.event);
  })();
  return async () => {
    await incoming.return?.();
  };
}
