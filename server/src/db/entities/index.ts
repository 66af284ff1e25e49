import { ApiKey, AuthSession, Device, DevicePairing, User } from './identity.js';
import { Flow, FlowActionTemplate, FlowEdge, FlowStep, FlowVariable } from './flow.js';
import { FlowAlert, FlowExecution, FlowExecutionStep } from './execution.js';
import { GatewayNode, InfoCard, Prompt, TabletDelivery, TelemetryLatest, TelemetrySample } from './home.js';

export * from './identity.js';
export * from './flow.js';
export * from './execution.js';
export * from './home.js';

export const allEntities = [
  User,
  AuthSession,
  ApiKey,
  Device,
  DevicePairing,
  Flow,
  FlowActionTemplate,
  FlowStep,
  FlowEdge,
  FlowVariable,
  FlowExecution,
  FlowExecutionStep,
  FlowAlert,
  GatewayNode,
  TelemetryLatest,
  TelemetrySample,
  Prompt,
  InfoCard,
  TabletDelivery,
];
