import type { AlertLevel } from '../db/entities/index.js';
import { newId } from '../db/ids.js';
import { toText } from './expressions/values.js';
import type { Kernel } from './kernel.js';
import type { RunState } from './run-state.js';
import { abortableSleep, visibleVariables, type ChildRunResult, type EngineServices } from './services.js';
import { cachedStatement } from './sqlite.js';
import { TERMINAL_STATUSES, type ExecutionStatus } from './types.js';

/** The services one step of one run sees. Built per step; sub-objects are created on first use. */
export class RunServices implements EngineServices {
  readonly dryRun = false;

  constructor(
    private readonly k: Kernel,
    private readonly run: RunState,
    private readonly stepKey: string,
  ) {
    Object.assign(this, k.settings.services);
  }

  get limits() {
    return { maxSleepMs: this.k.settings.maxSleepMs };
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return abortableSleep(ms, signal);
  }

  get variables(): EngineServices['variables'] {
    const { k, run } = this;
    const scopeId = (scope: 'flow' | 'global') => (scope === 'flow' ? run.flowId : 'global');
    return {
      get: (scope, key) => k.catalog.variable(scopeId(scope), key),
      list: (scope) => visibleVariables(k.catalog.variables(scopeId(scope))),
      set: (scope, key, value) => {
        k.store.setVariable(scopeId(scope), scope === 'flow' ? run.flowId : null, key, value);
        // Later steps of this run see the change at once; a flow variable shadows a global one, and
        // removing it uncovers the global again.
        const vars = run.data.vars as Record<string, unknown>;
        const flowValue = k.catalog.variable(run.flowId, key);
        const visible = flowValue !== undefined ? flowValue : k.catalog.variable('global', key);
        if (key.startsWith('$') || visible === undefined) delete vars[key];
        else vars[key] = visible;
      },
    };
  }

  get alerts(): EngineServices['alerts'] {
    const { k, run, stepKey } = this;
    return {
      raise: ({ level, message, nodeId }: { level: AlertLevel; message: string; nodeId?: string | null }) => {
        // A node that does not exist (any more) must not fail the write of the whole batch.
        const node = nodeId && k.catalog.nodeExists(nodeId) ? nodeId : null;
        const alert = {
          id: newId(),
          level,
          // The column and the GraphQL field are text: a number bound as is would be stored as "5.0".
          message: typeof message === 'string' ? message : toText(message),
          flowId: run.flowId,
          executionId: run.id,
          stepKey,
          nodeId: node,
          createdAt: k.now().getTime(),
        };
        k.store.insertAlert(alert);
        if (k.alertEvents.hasListeners) {
          k.store.afterNextCommit(() =>
            k.alertEvents.publish({ ...alert, createdAt: new Date(alert.createdAt) }),
          );
        }
        return { id: alert.id, nodeId: node };
      },
    };
  }

  get cooldown(): EngineServices['cooldown'] {
    const { k, run } = this;
    return {
      tryPass: (key, periodMs) => {
        const id = `${run.flowId}\u0000${key}`;
        let last = k.cooldowns.get(id);
        if (last === undefined) {
          const stored = k.catalog.variable(run.flowId, `$cooldown.${key}`);
          last = typeof stored === 'number' ? stored : -Infinity;
        }
        const now = k.now().getTime();
        if (now - last < periodMs) return { passed: false, nextAllowedAt: new Date(last + periodMs) };
        k.cooldowns.set(id, now);
        k.store.setVariable(run.flowId, run.flowId, `$cooldown.${key}`, now);
        return { passed: true, nextAllowedAt: new Date(now + periodMs) };
      },
    };
  }

  get flows(): EngineServices['flows'] {
    const { k, run } = this;
    return {
      start: async ({ flowId, flowName, payload, wait }) => {
        const child = await k.trigger({
          flowId,
          flowName,
          payload,
          triggerType: 'flow',
          parentExecutionId: run.id,
          awaitedByParent: !!wait,
        });
        return { executionId: child.id, status: child.status };
      },
      childResult: (executionId) => childResultOf(k, executionId),
    };
  }
}

export function childResultOf(k: Kernel, executionId: string): ChildRunResult | undefined {
  const active = k.active.get(executionId);
  if (active) return undefined;
  const row = cachedStatement(
    k.store.db,
    `select e.id, e.flow_id, e.status, e.error, e.data, f.name from flow_executions e
      join flows f on f.id = e.flow_id where e.id = ?`,
  ).get(executionId) as
    | {
        id: string;
        flow_id: string;
        status: ExecutionStatus;
        error: string | null;
        data: string;
        name: string;
      }
    | undefined;
  if (!row || !TERMINAL_STATUSES.has(row.status)) return undefined;
  const data = JSON.parse(row.data) as { steps?: Record<string, { output?: unknown }> };
  return {
    executionId: row.id,
    flowId: row.flow_id,
    flowName: row.name,
    status: row.status,
    error: row.error ? (JSON.parse(row.error) as ChildRunResult['error']) : null,
    steps: stepOutputs(data.steps),
  };
}

export function stepOutputs(
  steps: Record<string, { output?: unknown }> | undefined,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(steps ?? {})) result[key] = entry?.output;
  return result;
}
