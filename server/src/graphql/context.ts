import type { EntityManager } from '@mikro-orm/better-sqlite';
import type { PubSub } from 'graphql-yoga';
import type {
  AlertRaisedEvent,
  ExecutionRecord,
  PipelineExecutionEvent,
  TestStepInput,
  TestStepResult,
  TriggerInput,
} from '../engine/types.js';
import type { AccessEvents, AccessRevoked } from '../auth/access.js';
import type { InvalidationMessage } from '../scaleout/cache-relay.js';
import type { CachedAuthenticator } from '../auth/access-cache.js';
import type { LoginThrottle } from '../auth/login-throttle.js';
import type { Actor, Permission } from '../auth/actor.js';
import type { KinflowConfig } from '../config/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { TriggerRuntime } from '../triggers/runtime.js';
import type { BundleService } from '../bundles/index.js';
import type { VariableService } from '../variables/service.js';
import type { ActivityStore } from '../activities/store.js';
import type { ActionTemplateService } from '../flows/action-templates.js';
import type { FlowService } from '../flows/service.js';
import type { StepTypeRegistry } from '../steps/registry.js';
import type { TelemetryRuntime } from '../telemetry/runtime.js';
import type { CareService } from '../care/index.js';

/** What the API needs of the flow engine (server/src/engine implements it). */
export interface EngineApi {
  trigger(input: TriggerInput): Promise<ExecutionRecord>;
  cancel(executionId: string): Promise<ExecutionRecord>;
  rerun(executionId: string): Promise<ExecutionRecord>;
  testStep(input: TestStepInput): Promise<TestStepResult>;
}

/** Topics carried to subscriptions (in process today; Redis when running several instances). */
/** Topics of the GraphQL pubsub; their payloads must survive JSON (Dates are revived) to cross Redis. */
export type AppPubSubTopics = {
  execution: [PipelineExecutionEvent];
  alert: [AlertRaisedEvent];
  /** Ids of alerts someone just acknowledged, so other open apps update their badges. */
  alertsAcknowledged: [{ ids: string[] }];
  /** Revocations between instances (REDIS_URL), tagged with the sending instance so it skips its own. */
  access: [{ origin: string; event: AccessRevoked }];
  /** Flow, webhook-token and node changes, so other instances re-read their caches (REDIS_URL). */
  invalidate: [InvalidationMessage];
};

export type AppPubSub = PubSub<AppPubSubTopics>;

/** Long-lived services the resolvers call; built once at start. */
export interface AppServices {
  engine: EngineApi;
  pubsub: AppPubSub;
  /** "Access revoked" events (logout, revoked keys): open streams of that credential end. */
  access: AccessEvents;
  /** Resolves bearer tokens (cached briefly; revocation evicts at once). */
  authenticator: CachedAuthenticator;
  /** Counts failed sign-ins per account and address. */
  loginThrottle: LoginThrottle;
  config: KinflowConfig;
  registry: StepTypeRegistry;
  flows: FlowService;
  actionTemplates: ActionTemplateService;
  /** Flow bundles: export, import preview, import. */
  bundles: BundleService;
  /** Flow and global variables. */
  variables: VariableService;
  /** Recorded activities (activity_record, verification). */
  activities: ActivityStore;
  /** Seals and opens secrets stored at rest (SSH credentials). */
  secrets: SecretBox;
  /** Sensor, node-event, schedule and webhook triggers. */
  triggers: TriggerRuntime;
  /** Telemetry intake (GraphQL, REST, MQTT), latest values and previews, node directory and liveness. */
  telemetry: TelemetryRuntime;
  /** Tablets: prompts, deliveries, the device feed and live connections. */
  care: CareService;
}

/** Per-operation context: one EntityManager fork (made on first use) per HTTP request, SSE stream or WebSocket operation. */
export interface GraphQLContext {
  em: EntityManager;
  actor: Actor | null;
  permissions: Set<Permission>;
  /** The bearer token the operation came with (logout revokes it). */
  token: string | null;
  /** When the session behind `token` expires (null for keys and device tokens). */
  tokenExpiresAt: Date | null;
  /** The caller's network address (login throttling); null when unknown. */
  clientAddress: string | null;
  /** Objects this operation's mutations returned: readable by whoever was allowed to mutate. */
  ownResults: WeakSet<object>;
  services: AppServices;
}
