import type { EntityManager } from '@mikro-orm/better-sqlite';
import type { ErrorStrategy } from '../db/entities/index.js';

/**
 * Plain rows for reading flow graphs over GraphQL. The flows list asks for every step and edge of
 * every flow on the page; hydrating ORM entities for that (and loading source/target steps only to
 * read their keys) cost far more than the data, so reads go straight to SQL, one statement per field
 * per request. Saves still go through the entities in `flows/service.ts`.
 */
export interface FlowStepRow {
  id: string;
  flowId: string;
  key: string;
  type: string;
  config: Record<string, unknown>;
  label: string;
  positionX: number;
  positionY: number;
  enabled: boolean;
  onError: ErrorStrategy;
  retryAttempts: number;
  timeoutMs: number | null;
  actionTemplateId: string | null;
  /** The action template's config (joined in, so `resolvedConfig` needs no query of its own). */
  templateConfig: Record<string, unknown> | null;
}

export interface FlowEdgeRow {
  id: string;
  flowId: string;
  /** Key of the source step. */
  source: string;
  sourcePort: string;
  /** Key of the target step. */
  target: string;
}

interface RawStep extends Omit<FlowStepRow, 'config' | 'enabled' | 'templateConfig'> {
  config: string;
  templateConfig: string | null;
  enabled: number | boolean;
}

const STEP_COLUMNS = `s.id, s.flow_id as flowId, s.key, s.type, s.config, s.label, s.position_x as positionX,
  s.position_y as positionY, s.enabled, s.on_error as onError, s.retry_attempts as retryAttempts,
  s.timeout_ms as timeoutMs, s.action_template_id as actionTemplateId, a.config as templateConfig`;

const placeholders = (values: readonly unknown[]) => values.map(() => '?').join(', ');

function toStep(row: RawStep): FlowStepRow {
  return {
    ...row,
    config: JSON.parse(row.config) as Record<string, unknown>,
    templateConfig:
      row.templateConfig === null ? null : (JSON.parse(row.templateConfig) as Record<string, unknown>),
    enabled: Boolean(row.enabled),
  };
}

async function selectSteps(em: EntityManager, column: 's.flow_id' | 's.id', values: readonly string[]) {
  if (values.length === 0) return [];
  const rows: RawStep[] = await em.getConnection().execute(
    `select ${STEP_COLUMNS} from flow_steps s left join flow_action_templates a on a.id = s.action_template_id
      where ${column} in (${placeholders(values)}) order by s.position_y, s.position_x, s.key`,
    [...values],
  );
  return rows.map(toStep);
}

/** The steps of each flow, in canvas order (top to bottom, left to right, then key). */
export async function stepsOfFlows(em: EntityManager, flowIds: readonly string[]) {
  const steps = await selectSteps(em, 's.flow_id', flowIds);
  return flowIds.map((id) => steps.filter((step) => step.flowId === id));
}

/** Steps by ID (Relay `node`); missing ones are absent. */
export function stepsById(em: EntityManager, ids: readonly string[]) {
  return selectSteps(em, 's.id', ids);
}

async function selectEdges(em: EntityManager, column: 'e.flow_id' | 'e.id', values: readonly string[]) {
  if (values.length === 0) return [];
  const rows: FlowEdgeRow[] = await em.getConnection().execute(
    `select e.id, e.flow_id as flowId, s.key as source, e.source_port as sourcePort, t.key as target
      from flow_edges e join flow_steps s on s.id = e.source_id join flow_steps t on t.id = e.target_id
      where ${column} in (${placeholders(values)}) order by e.rowid`,
    [...values],
  );
  return rows;
}

/** The edges of each flow, with the keys of the steps they connect. */
export async function edgesOfFlows(em: EntityManager, flowIds: readonly string[]) {
  const edges = await selectEdges(em, 'e.flow_id', flowIds);
  return flowIds.map((id) => edges.filter((edge) => edge.flowId === id));
}

/** Edges by ID (Relay `node`); missing ones are absent. */
export function edgesById(em: EntityManager, ids: readonly string[]) {
  return selectEdges(em, 'e.id', ids);
}
