import type { EntityManager } from '@mikro-orm/better-sqlite';
import { Flow } from '../db/entities/index.js';
import type { VariableAccess } from '../engine/index.js';
import { NotFoundError } from '../flows/errors.js';

export type VariableScope = 'flow' | 'global';

export interface VariableEntry {
  scope: VariableScope;
  /** The flow of a flow-scoped variable; null for a global one. */
  flowId: string | null;
  key: string;
  value: unknown;
}

/**
 * Flow-scoped and global variables for the API (HALO's flow_variables), with the rules set_variable
 * follows: the same key pattern, any JSON value (null included), a flow variable belongs to one flow and
 * in runs shadows a global one of the same key. Writes go through the engine's store.
 */
export class VariableService {
  constructor(private readonly engine: { variables(): Promise<VariableAccess> }) {}

  async list(em: EntityManager, scope: VariableScope, flowId: string | null): Promise<VariableEntry[]> {
    const id = await this.scopeId(em, scope, flowId);
    return (await this.engine.variables())
      .list(id)
      .map((entry) => ({ scope, flowId: scope === 'flow' ? flowId : null, ...entry }));
  }

  async get(em: EntityManager, scope: VariableScope, flowId: string | null, key: string) {
    return (await this.list(em, scope, flowId)).find((entry) => entry.key === key);
  }

  async set(
    em: EntityManager,
    scope: VariableScope,
    flowId: string | null,
    key: string,
    value: unknown,
  ): Promise<VariableEntry> {
    const id = await this.scopeId(em, scope, flowId);
    // Like set_variable: a missing value is stored as null, never as "absent".
    await (await this.engine.variables()).write(id, key, value ?? null);
    return { scope, flowId: scope === 'flow' ? flowId : null, key, value: value ?? null };
  }

  /** Deletes the variable; NotFoundError when there is none of that key. */
  async delete(em: EntityManager, scope: VariableScope, flowId: string | null, key: string): Promise<void> {
    if (!(await this.get(em, scope, flowId, key))) throw new NotFoundError('variable', key);
    await (await this.engine.variables()).write(await this.scopeId(em, scope, flowId), key, undefined);
  }

  private async scopeId(em: EntityManager, scope: VariableScope, flowId: string | null): Promise<string> {
    if (scope === 'global') return 'global';
    if (!flowId || (await em.count(Flow, { id: flowId })) === 0)
      throw new NotFoundError('flow', flowId ?? '');
    return flowId;
  }
}
