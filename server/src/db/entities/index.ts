import { ApiKey, AuthSession, Device, DevicePairing, User } from './identity.js';
import { Flow, FlowActionTemplate, FlowEdge, FlowStep, FlowVariable } from './flow.js';
import { FlowAlert, FlowExecution, FlowExecutionEvent, FlowExecutionStep } from './execution.js';
import { PersonActivity } from './activity.js';
import { GatewayNode, InfoCard, Prompt, TabletDelivery, TelemetryLatest, TelemetrySample } from './home.js';

export * from './identity.js';
export * from './flow.js';
export * from './execution.js';
export * from './home.js';
export * from './activity.js';

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
  FlowExecutionEvent,
  FlowAlert,
  GatewayNode,
  TelemetryLatest,
  TelemetrySample,
  Prompt,
  InfoCard,
  PersonActivity,
  TabletDelivery,
];
