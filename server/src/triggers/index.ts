export {
  SensorCrossingEvaluator,
  matchesNode,
  rearms,
  type SensorTrigger,
  type SensorTriggerConfig,
  type SensorNode,
  type SensorReading,
  type SensorFire,
  type SensorFirePayload,
  type EvaluatorOptions,
  type KnownValue,
} from './sensor-crossing.js';
export { MetricIndex, SensorTriggerRegistry, type SensorTriggerRegistryOptions } from './index-by-metric.js';
export {
  NodeLiveness,
  matchesNodeEvent,
  nodeEventPayload,
  type NodeEventTriggerConfig,
  type NodeLifecycleEvent,
  type LivenessNode,
  type KnownNode,
  type NodeLivenessOptions,
} from './node-liveness.js';
export {
  cronPreview,
  describeCron,
  nextRunAfter,
  missedRunDecision,
  DEFAULT_MISSED_RUN_GRACE_MS,
  type CronPreview,
  type MissedRunDecision,
} from './cron.js';
export {
  generateWebhookToken,
  isWellFormedWebhookToken,
  hashWebhookToken,
  verifyWebhookToken,
  rotateWebhookToken,
  verifyWebhookSecret,
  type WebhookSecret,
} from './webhook-token.js';
export {
  WebhookRateLimiter,
  RateLimitSettingsError,
  type RateLimits,
  type RateLimitDecision,
} from './webhook-limits.js';
