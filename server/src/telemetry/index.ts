export {
  parseReadings,
  parseValue,
  METRIC_PATTERN,
  EARLIEST_TIMESTAMP,
  type NodeRef,
  type NodeLookup,
  type RawReading,
  type Reading,
  type ParsedReading,
  type ParseOptions,
  type ParseResult,
  type Rejection,
  type ReadingField,
} from './readings.js';
export { TelemetryStore, type TelemetryStoreOptions } from './store.js';
export type { LatestValue, MetricPreview, PreviewValue } from './preview.js';
export type { Stats } from './history.js';
export {
  SqliteTelemetryPersistence,
  type TelemetryPersistence,
  type WriteBatch,
} from './sqlite-persistence.js';
export { MemoryNodeDirectory, loadNodeDirectory, type NodeDirectory, type RegisterNode } from './nodes.js';
export {
  TelemetryIntake,
  TelemetryBatchError,
  type TelemetrySink,
  type TelemetryIntakeOptions,
  type IngestResult,
  type NodeEvent,
  type NodeEventInput,
  type NodeEventResult,
  type NodeReading,
} from './intake.js';
export {
  MqttIntake,
  parseTopic,
  parseReadingPayload,
  type MqttIntakeOptions,
  type BadMessage,
  type ParsedTopic,
} from './mqtt.js';
