import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/better-sqlite';
import { GatewayNode, sealSshSecret, type SshSecret } from '../db/entities/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { NameTakenError, NotFoundError } from '../flows/errors.js';
import { InputValidationError } from '../graphql/input-validation.js';
import { normalizeFingerprint } from '../ssh/fingerprint.js';

/** Where the `command` step connects. The password or private key is write-only. */
export interface SshTargetInput {
  host: string;
  port?: number | null;
  user: string;
  password?: string | null;
  privateKey?: string | null;
  passphrase?: string | null;
  hostKeyFingerprint?: string | null;
  trustOnFirstUse?: boolean | null;
}

export interface NodeInput {
  name?: string | null;
  kind?: string | null;
  tags?: readonly string[] | null;
  metadata?: Record<string, unknown> | null;
  /** Undefined keeps the SSH target; null removes it (with its secret). */
  ssh?: SshTargetInput | null;
}

/**
 * Creates, changes and deletes nodes. The secret is sealed before it reaches the entity, so neither
 * the database nor anything that serialises the entity ever sees it in plain text. The telemetry node
 * directory follows these changes through its ORM subscriber (telemetry/runtime.ts).
 */
export class NodeService {
  constructor(private readonly secrets: Pick<SecretBox, 'seal'>) {}

  async create(em: EntityManager, input: NodeInput & { name: string }): Promise<GatewayNode> {
    const name = input.name.trim();
    await this.ensureNameFree(em, name, null);
    const node = em.create(GatewayNode, {
      name,
      kind: input.kind?.trim() || 'sensor',
      tags: uniqueTags(input.tags ?? []),
      metadata: input.metadata ?? {},
    });
    if (input.ssh) this.applySsh(node, input.ssh, 'input.ssh');
    return this.save(em, node);
  }

  async update(em: EntityManager, id: string, input: NodeInput): Promise<GatewayNode> {
    const node = await em.findOne(GatewayNode, { id });
    if (!node) throw new NotFoundError('node', id);
    if (input.name != null && input.name.trim() !== node.name) {
      await this.ensureNameFree(em, input.name.trim(), node.id);
      node.name = input.name.trim();
    }
    if (input.kind != null) node.kind = input.kind.trim();
    if (input.tags != null) node.tags = uniqueTags(input.tags);
    if (input.metadata != null) node.metadata = input.metadata;
    if (input.ssh === null) {
      Object.assign(node, {
        sshHost: null,
        sshPort: null,
        sshUser: null,
        sshSecretEncrypted: null,
        sshHostKeyFingerprint: null,
        sshTrustOnFirstUse: false,
      });
    } else if (input.ssh) {
      this.applySsh(node, input.ssh, 'input.ssh');
    }
    return this.save(em, node);
  }

  async delete(em: EntityManager, id: string): Promise<void> {
    const node = await em.findOne(GatewayNode, { id });
    if (!node) throw new NotFoundError('node', id);
    // Telemetry rows go by cascade; alerts about the node keep their text and lose the link.
    await em.remove(node).flush();
  }

  /** A new secret replaces the stored one; without one the stored secret is kept (e.g. a new address). */
  private applySsh(node: GatewayNode, ssh: SshTargetInput, path: string): void {
    if (ssh.password && ssh.privateKey) {
      throw new InputValidationError([
        { path: [...path.split('.'), 'password'], message: 'give a password or a private key, not both' },
      ]);
    }
    let fingerprint: string | null = null;
    if (ssh.hostKeyFingerprint) {
      fingerprint = normalizeFingerprint(ssh.hostKeyFingerprint) ?? null;
      if (!fingerprint) {
        throw new InputValidationError([
          {
            path: [...path.split('.'), 'hostKeyFingerprint'],
            message: 'expected SHA256:<43 base64 characters> or an MD5 fingerprint (aa:bb:…)',
          },
        ]);
      }
    }
    node.sshHost = ssh.host.trim();
    node.sshPort = ssh.port ?? 22;
    node.sshUser = ssh.user.trim();
    node.sshHostKeyFingerprint = fingerprint;
    node.sshTrustOnFirstUse = ssh.trustOnFirstUse ?? false;
    const secret: SshSecret | undefined = ssh.password
      ? { password: ssh.password }
      : ssh.privateKey
        ? { privateKey: ssh.privateKey, ...(ssh.passphrase && { passphrase: ssh.passphrase }) }
        : undefined;
    if (secret) node.sshSecretEncrypted = sealSshSecret(this.secrets, secret);
  }

  /** Checked before anything changes (queries may auto-flush); the unique index still decides races. */
  private async ensureNameFree(em: EntityManager, name: string, exceptId: string | null): Promise<void> {
    const clash = await em.findOne(GatewayNode, { name, ...(exceptId && { id: { $ne: exceptId } }) });
    if (clash) throw new NameTakenError(name, 'node');
  }

  private async save(em: EntityManager, node: GatewayNode): Promise<GatewayNode> {
    try {
      await em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new NameTakenError(node.name, 'node');
      throw error;
    }
    return node;
  }
}

function uniqueTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((tag) => tag.trim()).filter((tag) => tag !== ''))];
}
