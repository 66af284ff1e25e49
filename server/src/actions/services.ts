import type { NodeStatus } from '../db/entities/index.js';
import { engineServices, type EngineServices } from '../engine/services.js';
import type { SafeFetchInit, SafeFetchResponse } from '../net/index.js';
import type { SshCommandResult } from '../ssh/index.js';
import type { StepContext, StepTypeDefinition } from '../steps/step-type.js';

/** A node as actions and templates see it: no SSH secret, only whether one is stored. */
export interface ActionNode {
  id: string;
  name: string;
  kind: string;
  tags: string[];
  status: NodeStatus;
  lastSeenAt: string | null;
  metadata: Record<string, unknown>;
  sshHost: string | null;
  sshPort: number | null;
  sshUser: string | null;
  hasSshSecret: boolean;
  sshHostKeyFingerprint: string | null;
  sshTrustOnFirstUse: boolean;
}

/** Which nodes `for_each_node` iterates: every given criterion must match (an empty selector matches all). */
export interface NodeSelector {
  ids?: string[];
  /** The node must carry every one of these tags. */
  tags?: string[];
  kind?: string;
  status?: NodeStatus;
}

export interface OutboundFetchOptions {
  timeoutMs?: number;
  maxResponseBytes?: number;
}

export interface SshRunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface SshRunResult extends SshCommandResult {
  node: { id: string; name: string; host: string; port: number; user: string };
}

/**
 * What action steps and channels reach the outside world through, next to the engine's own services
 * (merged in via EngineOptions.services). Built by createActionServices.
 */
export interface ActionServices {
  /** safeFetch bound to the configured outbound policy (KINFLOW_OUTBOUND_ALLOW). */
  outbound: {
    fetch(url: string, init?: SafeFetchInit, options?: OutboundFetchOptions): Promise<SafeFetchResponse>;
  };
  nodes: {
    get(id: string): Promise<ActionNode | null>;
    select(selector: NodeSelector): Promise<ActionNode[]>;
  };
  /** Runs a command on a node with its stored SSH details; stores the host key on first use (TOFU). */
  ssh: {
    run(nodeId: string, command: string, options: SshRunOptions): Promise<SshRunResult>;
  };
  /** The step types `for_each_node` may run per node. */
  stepTypes: { get(type: string): StepTypeDefinition | undefined };
}

export type StepServices = EngineServices & ActionServices;

/** The services of a step, failing clearly when the server was started without action services. */
export function actionServices(context: StepContext<unknown>): StepServices {
  const services = engineServices(context) as Partial<StepServices> & EngineServices;
  if (!services.outbound || !services.nodes || !services.ssh || !services.stepTypes) {
    throw new Error('action services are not configured on this server (EngineOptions.services)');
  }
  return services as StepServices;
}
