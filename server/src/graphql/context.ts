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
import type { Actor, Permission } from '../auth/actor.js';
import type { KinflowConfig } from '../config/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { TriggerRuntime } from '../triggers/runtime.js';
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
export type AppPubSub = PubSub<{ execution: [PipelineExecutionEvent]; alert: [AlertRaisedEvent] }>;

/** Long-lived services the resolvers call; built once at start. */
export interface AppServices {
  engine: EngineApi;
  pubsub: AppPubSub;
  config: KinflowConfig;
  registry: StepTypeRegistry;
  flows: FlowService;
  actionTemplates: ActionTemplateService;
  /** Seals and opens secrets stored at rest (SSH credentials). */
  secrets: SecretBox;
  /** Sensor, node-event, schedule and webhook triggers. */
  triggers: TriggerRuntime;
  /** Telemetry intake (GraphQL, REST, MQTT), latest values and previews, node directory and liveness. */
  telemetry: TelemetryRuntime;
  /** Tablets: prompts, deliveries, the device feed and live connections. */
  care: CareService;
}

/** Per-operation context: one EntityManager fork per HTTP request, SSE stream or WebSocket operation. */
export interface GraphQLContext {
  em: EntityManager;
  actor: Actor | null;
  permissions: Set<Permission>;
  /** The bearer token the operation came with (logout revokes it). */
  token: string | null;
  services: AppServices;
}
