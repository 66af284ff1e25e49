// Public face of the action layer: the services action steps and channels use, and their factory.
export {
  createActionServices,
  NodeNotFoundError,
  SshNotConfiguredError,
  type ActionServicesOptions,
} from './create.js';
export {
  actionServices,
  type ActionNode,
  type ActionServices,
  type NodeSelector,
  type OutboundFetchOptions,
  type SshRunOptions,
  type SshRunResult,
  type StepServices,
} from './services.js';
