import { GatewayNode, openSshSecret, type SshSecret } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import {
  OutboundBlockedError,
  safeFetch,
  vetOutboundUrl,
  type OutboundPolicy,
  type SafeFetchOptions,
} from '../net/index.js';
import { runSshCommand, SshConnectionError, SshUnreachableError } from '../ssh/index.js';
import type { StepTypeRegistry } from '../steps/registry.js';
import type { ActionNode, ActionServices, NodeSelector } from './services.js';

export interface ActionServicesOptions {
  orm: Orm;
  config: { outbound: OutboundPolicy };
  /** Opens `sshSecretEncrypted` (the app's SecretBox). */
  secrets: { open(sealed: string): string };
  /** For `for_each_node`: which step types it may run per node. */
  registry: Pick<StepTypeRegistry, 'get'>;
  /** Test seam for safeFetch (resolver, dispatcher); the policy always comes from `config.outbound`. */
  fetchOptions?: Omit<SafeFetchOptions, 'policy' | 'timeoutMs' | 'maxResponseBytes'>;
}

export class NodeNotFoundError extends Error {
  override name = 'NodeNotFoundError';
  readonly code = 'node_not_found';
  constructor(readonly nodeId: string) {
    super(`node "${nodeId}" does not exist`);
  }
}

export class SshNotConfiguredError extends Error {
  override name = 'SshNotConfiguredError';
  readonly code = 'ssh_not_configured';
}

/** Builds the services action steps and channels use; pass the result as EngineOptions.services. */
export function createActionServices(options: ActionServicesOptions): ActionServices {
  const { orm, config, secrets } = options;
  // Each call gets its own fork: steps run concurrently and must not share an identity map.
  const em = () => orm.em.fork();
  const load = async (id: string) => em().findOne(GatewayNode, { id });

  return {
    outbound: {
      fetch: (url, init = {}, fetchOptions = {}) =>
        safeFetch(url, init, { ...options.fetchOptions, ...fetchOptions, policy: config.outbound }),
    },
    nodes: {
      get: async (id) => {
        const node = await load(id);
        return node ? toActionNode(node) : null;
      },
      select: async (selector) => {
        // A home has tens of nodes, not millions: filter in memory so tags (a JSON column) need no SQL.
        const nodes = await em().find(GatewayNode, {}, { orderBy: { name: 'asc' } });
        return nodes.map(toActionNode).filter((node) => matches(node, selector));
      },
    },
    ssh: {
      run: async (nodeId, command, { timeoutMs, signal }) => {
        const node = await load(nodeId);
        if (!node) throw new NodeNotFoundError(nodeId);
        if (!node.sshHost || !node.sshUser || !node.sshSecretEncrypted) {
          throw new SshNotConfiguredError(`node "${node.name}" has no SSH host, user and secret configured`);
        }
        const secret: SshSecret = openSshSecret(secrets, node.sshSecretEncrypted);
        const port = node.sshPort ?? 22;
        const target = `node "${node.name}"`;
        // SSH hosts follow the same outbound rules as HTTP; the connection uses the address judged.
        let address: string;
        try {
          const host = node.sshHost.includes(':') ? `[${node.sshHost}]` : node.sshHost;
          const vetted = await vetOutboundUrl(`http://${host}:${port}/`, { policy: config.outbound, signal });
          address = vetted.addresses[0]!.address;
        } catch (error) {
          if (error instanceof OutboundBlockedError) throw new SshUnreachableError(target);
          throw error;
        }
        const result = await runSshCommand({
          host: address,
          port,
          username: node.sshUser,
          ...secret,
          command,
          timeoutMs,
          signal,
          hostKey: {
            fingerprint: node.sshHostKeyFingerprint,
            trustOnFirstUse: node.sshTrustOnFirstUse,
          },
        }).catch((error: unknown) => {
          // Refused, reset or unroutable all read the same as "not allowed".
          if (error instanceof SshConnectionError) throw new SshUnreachableError(target, { cause: error });
          throw error;
        });
        if (result.learnedHostKey) {
          // Only when still unset: two first connections racing must not overwrite each other's key.
          await em().nativeUpdate(
            GatewayNode,
            { id: node.id, sshHostKeyFingerprint: null },
            { sshHostKeyFingerprint: result.hostKeyFingerprint },
          );
        }
        return {
          ...result,
          node: { id: node.id, name: node.name, host: node.sshHost, port, user: node.sshUser },
        };
      },
    },
    stepTypes: { get: (type) => options.registry.get(type) },
  };
}

function toActionNode(node: GatewayNode): ActionNode {
  return {
    id: node.id,
    name: node.name,
    kind: node.kind,
    tags: [...(node.tags ?? [])],
    status: node.status,
    lastSeenAt: node.lastSeenAt ? node.lastSeenAt.toISOString() : null,
    metadata: node.metadata ?? {},
    sshHost: node.sshHost ?? null,
    sshPort: node.sshPort ?? null,
    sshUser: node.sshUser ?? null,
    hasSshSecret: !!node.sshSecretEncrypted,
    sshHostKeyFingerprint: node.sshHostKeyFingerprint ?? null,
    sshTrustOnFirstUse: node.sshTrustOnFirstUse,
  };
}

export function matches(node: ActionNode, selector: NodeSelector): boolean {
  if (selector.ids?.length && !selector.ids.includes(node.id)) return false;
  if (selector.tags?.length && !selector.tags.every((tag) => node.tags.includes(tag))) return false;
  if (selector.kind && node.kind !== selector.kind) return false;
  if (selector.status && node.status !== selector.status) return false;
  return true;
}
