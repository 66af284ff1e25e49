import { openSealed, restoreSealed, type SecretSealer } from '../crypto/sealed-config.js';
import type { ErrorStrategy } from '../db/entities/index.js';
import type { StepTypeRegistry } from '../steps/registry.js';
import { EngineError } from './errors.js';
import { compileGraph, type CompiledGraph, type GraphSnapshot, type SnapshotStep } from './graph.js';
import { FLOW_COLUMNS, type FlowRow, type SqliteDatabase, type SqliteStatement } from './sqlite.js';
import type { ExecutionStore } from './store.js';

interface StepRow {
  key: string;
  type: string;
  config: string;
  label: string;
  position_x: number;
  position_y: number;
  enabled: number;
  on_error: ErrorStrategy;
  retry_attempts: number;
  timeout_ms: number | null;
  action_template_id: string | null;
}

/**
 * Reads flows, their graphs and variables with prepared statements. A graph is compiled once per flow
 * version (and action-template state, since a template edit reaches its steps without a version bump).
 */
export class FlowCatalog {
  private readonly graphs = new Map<
    string,
    { base: string; templated: boolean; templateStamp: string; graph: CompiledGraph }
  >();
  private readonly sql: Record<
    | 'flowById'
    | 'flowByName'
    | 'steps'
    | 'edges'
    | 'template'
    | 'templateStamp'
    | 'variables'
    | 'runVariables'
    | 'nodeExists',
    SqliteStatement
  >;
  /**
   * The stored `vars` of each scope a run read, as rows. Every write of a non-`$` variable goes through
   * the store (set_variable, the API; one server per data folder), which drops the scope here when it
   * flushes one, so a run never reads a stale value.
   */
  private readonly storedVars = new Map<string, Array<{ key: string; value: unknown }>>();

  constructor(
    db: SqliteDatabase,
    private readonly registry: StepTypeRegistry,
    private readonly store: ExecutionStore,
    private readonly secrets?: Pick<SecretSealer, 'open'>,
  ) {
    store.onVariableWrite = (scope) => this.storedVars.delete(scope);
    this.sql = {
      flowById: db.prepare(`select ${FLOW_COLUMNS} from flows where id = ?`),
      flowByName: db.prepare(`select ${FLOW_COLUMNS} from flows where name = ?`),
      steps: db.prepare(
        `select key, type, config, label, position_x, position_y, enabled, on_error, retry_attempts, timeout_ms,
          action_template_id from flow_steps where flow_id = ? order by rowid`,
      ),
      edges: db.prepare(
        `select s.key as source, e.source_port as sourcePort, t.key as target from flow_edges e
          join flow_steps s on s.id = e.source_id join flow_steps t on t.id = e.target_id
          where e.flow_id = ? order by e.rowid`,
      ),
      template: db.prepare(`select config from flow_action_templates where id = ?`),
      templateStamp: db.prepare(
        `select count(*) || ':' || coalesce(max(updated_at), 0) as stamp from flow_action_templates`,
      ),
      variables: db.prepare(`select key, value from flow_variables where scope = ?`),
      // `$` keys are engine and trigger state (webhook hashes, cooldowns; trigger state is written
      // beside the store), never `vars`: left out here, so the cache below never holds them.
      runVariables: db.prepare(
        `select key, value from flow_variables where scope = ? and substr(key, 1, 1) <> '$'`,
      ),
      nodeExists: db.prepare(`select 1 from nodes where id = ?`),
    };
  }

  flow(input: { flowId?: string; flowName?: string }): FlowRow {
    const row = (
      input.flowId
        ? this.sql.flowById.get(input.flowId)
        : input.flowName
          ? this.sql.flowByName.get(input.flowName)
          : undefined
    ) as FlowRow | undefined;
    if (!row) {
      const what = input.flowId
        ? `id "${input.flowId}"`
        : input.flowName
          ? `name "${input.flowName}"`
          : 'no id or name';
      throw new EngineError('not_found', `no flow with ${what}`);
    }
    return row;
  }

  flowIfExists(flowId: string): FlowRow | undefined {
    return this.sql.flowById.get(flowId) as FlowRow | undefined;
  }

  graph(flow: FlowRow): CompiledGraph {
    const cached = this.graphs.get(flow.id);
    const base = `${flow.version}|${flow.name}|${flow.default_step_timeout_ms}`;
    if (
      cached &&
      cached.base === base &&
      (!cached.templated || cached.templateStamp === this.templateStamp())
    ) {
      return cached.graph;
    }
    const templateStamp = this.templateStamp();
    const { snapshot, templated } = this.loadSnapshot(flow);
    const graph = compileGraph(snapshot, this.registry);
    this.graphs.set(flow.id, { base, templated, templateStamp, graph });
    return graph;
  }

  private templateStamp(): string {
    return (this.sql.templateStamp.get() as { stamp: string }).stamp;
  }

  private loadSnapshot(flow: FlowRow): { snapshot: GraphSnapshot; templated: boolean } {
    let templated = false;
    const steps = (this.sql.steps.all(flow.id) as StepRow[]).map((row): SnapshotStep => {
      let config = JSON.parse(row.config) as Record<string, unknown>;
      if (row.action_template_id) {
        templated = true;
        const template = this.sql.template.get(row.action_template_id) as { config: string } | undefined;
        if (template) config = { ...(JSON.parse(template.config) as Record<string, unknown>), ...config };
      }
      // Fill schema defaults so a template-based step (stored as overrides only) runs with a full config.
      // Sealed values stay sealed in the snapshot: they are parsed opened, then put back sealed.
      const opened = this.secrets ? openSealed(config, this.secrets) : config;
      const parsed = this.registry.get(row.type)?.configSchema.safeParse(opened);
      if (parsed?.success) config = restoreSealed(parsed.data as Record<string, unknown>, config);
      return {
        key: row.key,
        type: row.type,
        label: row.label,
        config,
        enabled: row.enabled === 1,
        onError: row.on_error,
        retryAttempts: row.retry_attempts,
        timeoutMs: row.timeout_ms,
        position: { x: row.position_x, y: row.position_y },
      };
    });
    const edges = this.sql.edges.all(flow.id) as GraphSnapshot['edges'];
    return {
      snapshot: {
        flowId: flow.id,
        flowName: flow.name,
        version: flow.version,
        defaultStepTimeoutMs: flow.default_step_timeout_ms,
        steps,
        edges,
      },
      templated,
    };
  }

  /** Variables of a scope (a flow id or `global`), with writes not yet flushed applied. */
  variables(scope: string): Array<{ key: string; value: unknown }> {
    const rows = (this.sql.variables.all(scope) as Array<{ key: string; value: unknown }>).map((row) => ({
      key: row.key,
      value: storedValue(row.value),
    }));
    const pending = this.store.pendingVariables(scope);
    return pending.length ? [...rows, ...pending] : rows;
  }

  /** `vars` for a new run of the flow: global variables shadowed by the flow's own, `$` keys left out. */
  runVariables(flowId: string): Record<string, unknown> {
    const scopes = { global: new Map<string, unknown>(), flow: new Map<string, unknown>() };
    for (const row of this.storedVariables('global')) scopes.global.set(row.key, storedValue(row.value));
    for (const row of this.storedVariables(flowId)) scopes.flow.set(row.key, storedValue(row.value));
    for (const entry of this.store.pendingVariables('global')) scopes.global.set(entry.key, entry.value);
    for (const entry of this.store.pendingVariables(flowId)) scopes.flow.set(entry.key, entry.value);
    const vars: Record<string, unknown> = {};
    for (const map of [scopes.global, scopes.flow]) {
      for (const [key, value] of map) {
        if (key.startsWith('$')) continue;
        if (value === undefined) delete vars[key];
        else vars[key] = value;
      }
    }
    return vars;
  }

  /** Rows as stored (JSON text): each run parses its own copy, so no run can change another's `vars`. */
  private storedVariables(scope: string): Array<{ key: string; value: unknown }> {
    let rows = this.storedVars.get(scope);
    if (!rows) {
      rows = this.sql.runVariables.all(scope) as Array<{ key: string; value: unknown }>;
      this.storedVars.set(scope, rows);
    }
    return rows;
  }

  variable(scope: string, key: string): unknown {
    let value: unknown;
    for (const entry of this.variables(scope)) if (entry.key === key) value = entry.value;
    return value;
  }

  nodeExists(nodeId: string): boolean {
    return this.sql.nodeExists.get(nodeId) !== undefined;
  }
}

/** The json column has numeric affinity, so numbers come back as numbers rather than JSON text. */
function storedValue(value: unknown): unknown {
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}
