export { FlowEngine, type VariableAccess } from './engine.js';
export { ExecutionEventBus, AlertEventBus } from './events.js';
export { EngineError, MAX_NESTING_DEPTH, type EngineErrorCode } from './errors.js';
export { checkFlowExpressions, dataKeys, type FlowExpressionIssue } from './validation.js';
export type { EngineServices, ChildRunResult } from './services.js';
export type { GraphSnapshot, SnapshotStep, SnapshotEdge } from './graph.js';
export { MAX_OUTPUT_CHARS, MAX_PAYLOAD_CHARS } from './truncate.js';
export type {
  AlertRaisedEvent,
  EngineOptions,
  ExecutionRecord,
  PipelineExecutionEvent,
  TestStepInput,
  TestStepResult,
  TriggerInput,
} from './types.js';
