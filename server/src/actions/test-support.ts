// Test-only: an engine harness whose steps get real action services, allowed to reach 127.0.0.1 only.
import { randomBytes } from 'node:crypto';
import { SecretBox } from '../crypto/secret-box.js';
import { GatewayNode, sealSshSecret, type SshSecret } from '../db/entities/index.js';
import { harness, type Harness } from '../engine/test-fixtures.js';
import { parseOutboundAllowlist } from '../net/index.js';
import type { StepTypeDefinition } from '../steps/step-type.js';
import { createActionServices } from './create.js';
import type { ActionServices } from './services.js';

export interface ActionHarness extends Harness {
  secrets: SecretBox;
  /** The services the engine hands its steps. */
  actions: ActionServices;
  addNode(values: {
    name: string;
    kind?: string;
    tags?: string[];
    status?: 'unknown' | 'online' | 'offline';
    ssh?: {
      host: string;
      port: number;
      user: string;
      secret: SshSecret;
      fingerprint?: string | null;
      tofu?: boolean;
    };
  }): Promise<string>;
}

/** `stepTypes` adds test-only action types that for_each_node may run per node. */
export async function actionHarness(
  allow = '127.0.0.1',
  stepTypes: StepTypeDefinition[] = [],
): Promise<ActionHarness> {
  const secrets = new SecretBox(randomBytes(32));
  const outbound = parseOutboundAllowlist(allow);
  let actions!: ActionServices;
  const h = await harness({
    services: (orm, registry) => {
      actions = createActionServices({
        orm,
        registry: { get: (type) => stepTypes.find((step) => step.type === type) ?? registry.get(type) },
        secrets,
        config: { outbound },
      });
      return { ...actions };
    },
  });
  return {
    ...h,
    actions,
    secrets,
    async addNode({ name, kind = 'gateway', tags = [], status = 'online', ssh }) {
      const em = h.em();
      const node = em.create(GatewayNode, {
        name,
        kind,
        tags,
        status,
        metadata: {},
        ...(ssh && {
          sshHost: ssh.host,
          sshPort: ssh.port,
          sshUser: ssh.user,
          sshSecretEncrypted: sealSshSecret(secrets, ssh.secret),
          sshHostKeyFingerprint: ssh.fingerprint ?? null,
          sshTrustOnFirstUse: ssh.tofu ?? false,
        }),
      });
      await em.flush();
      return node.id;
    },
  };
}

/** Runs start(manual) → steps in a chain (each on `main`) and waits for the end. */
export async function runChain(
  h: Harness,
  name: string,
  steps: Array<Record<string, unknown>>,
  payload: Record<string, unknown> = {},
  ports: Record<string, string> = {},
) {
  const all = [{ key: 'start', type: 'manual', config: {} }, ...steps];
  const edges = all
    .slice(1)
    .map(
      (step, i) =>
        [all[i]!.key as string, step.key as string, ports[all[i]!.key as string]] as [
          string,
          string,
          string?,
        ],
    );
  const flowId = await h.createFlow(name, all as never[], edges);
  const run = await h.engine.settled((await h.engine.trigger({ flowId, payload })).id);
  return { flowId, run };
}

/** A step's output in a finished run; loosely typed because tests pick into it with `expect`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type LooseOutput = Record<string, any>;

export const outputOf = (run: { data: Record<string, unknown> }, key: string): LooseOutput =>
  (run.data.steps as Record<string, { output?: LooseOutput }>)[key]?.output ?? {};
