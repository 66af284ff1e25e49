import type { EntityManager } from '@mikro-orm/better-sqlite';
import type { ErrorStrategy, RunMode } from '../db/entities/index.js';
import { cachedStatement, type SqliteDatabase, type SqliteStatement } from '../engine/sqlite.js';

/**
 * Plain rows for reading flows over GraphQL. The flows list asks for every step and edge of every
 * flow on the page; hydrating ORM entities for that (and loading source/target steps only to read
 * their keys) cost far more than the data, and so did knex building and preparing each statement
 * anew, so reads run prepared statements on the ORM's own SQLite connection, one statement per field
 * per request whatever the page size. Saves still go through the entities in `flows/service.ts`. All read SQL lives here, so
 * another database adapter replaces this one module.
 */

/** The columns of a flow the API shows; the `Flow` entity has the same shape, so both resolve. */
export interface FlowRow {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  version: number;
  defaultStepTimeoutMs: number;
  maxExecutions: number;
  cooloffMinutes: number;
  runMode: RunMode;
  maxConcurrentRuns: number;
  createdAt: Date;
  updatedAt: Date;
  updatedBy?: string | null;
}

export interface FlowStepRow {
  id: string;
  flowId: string;
  key: string;
  type: string;
  /** The stored config, as JSON text: parsed (and masked) once per distinct text by `shown-config.ts`. */
  config: string;
  label: string;
  positionX: number;
  positionY: number;
  enabled: boolean;
  onError: ErrorStrategy;
  retryAttempts: number;
  timeoutMs: number | null;
  actionTemplateId: string | null;
  /** The action template's config text (joined in, so `resolvedConfig` needs no query of its own). */
  templateConfig: string | null;
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

export interface FlowFilter {
  /** Only flows whose name contains this text (no wildcards). */
  search?: string | null;
  enabled?: boolean | null;
}

const connections = new WeakMap<object, Promise<SqliteDatabase>>();

/** The ORM's better-sqlite3 connection (knex keeps exactly one for SQLite), looked up once. */
function databaseOf(em: EntityManager): Promise<SqliteDatabase> {
  const client = em.getConnection().getKnex().client as {
    acquireConnection(): Promise<SqliteDatabase>;
    releaseConnection(connection: SqliteDatabase): Promise<void>;
  };
  let db = connections.get(client);
  if (!db) {
    db = client.acquireConnection().then(async (connection) => {
      await client.releaseConnection(connection);
      return connection;
    });
    connections.set(client, db);
  }
  return db;
}

async function all<T>(em: EntityManager, sql: string, ...params: unknown[]): Promise<T[]> {
  return cachedStatement(await databaseOf(em), sql).all(...params) as T[];
}

const rawStatements = new WeakMap<SqliteDatabase, Map<string, SqliteStatement>>();

/**
 * Rows as arrays of column values, in select order: building an object per row costs better-sqlite3
 * more than reading the row (about 40 % of a steps page), and the mappers below build one anyway.
 */
async function arrays(em: EntityManager, sql: string, ...params: unknown[]): Promise<unknown[][]> {
  const db = await databaseOf(em);
  let byText = rawStatements.get(db);
  if (!byText) rawStatements.set(db, (byText = new Map()));
  let statement = byText.get(sql);
  if (!statement) {
    statement = (db.prepare(sql) as SqliteStatement & { raw(on: boolean): SqliteStatement }).raw(true);
    byText.set(sql, statement);
  }
  return statement.all(...params) as unknown[][];
}

// A JSON array bound once keeps one statement text (and one prepared statement) for any number of ids.
const IDS = 'select value from json_each(?)';
const idList = (ids: readonly string[]) => JSON.stringify(ids);

// Read by position in `toFlow`: keep the two in the same order.
const FLOW_COLUMNS = `f.id, f.name, f.description, f.enabled, f.version, f.default_step_timeout_ms,
  f.max_executions, f.cooloff_minutes, f.run_mode, f.max_concurrent_runs, f.created_at, f.updated_at,
  f.updated_by`;

// The ORM stores datetimes in SQLite as epoch milliseconds.
const toFlow = (row: unknown[]): FlowRow => ({
  id: row[0] as string,
  name: row[1] as string,
  description: row[2] as string,
  enabled: Boolean(row[3]),
  version: row[4] as number,
  defaultStepTimeoutMs: row[5] as number,
  maxExecutions: row[6] as number,
  cooloffMinutes: row[7] as number,
  runMode: row[8] as RunMode,
  maxConcurrentRuns: row[9] as number,
  createdAt: new Date(row[10] as number),
  updatedAt: new Date(row[11] as number),
  updatedBy: row[12] as string | null,
});

// Every filter is always bound (null meaning "any"), so there is one statement text per query.
const FLOW_WHERE = `where (@search is null or f.name like @search escape '\\')
  and (@enabled is null or f.enabled = @enabled)`;
const filterParams = (filter: FlowFilter) => ({
  search: filter.search ? `%${filter.search.replace(/[%_\\]/g, (c) => `\\${c}`)}%` : null,
  enabled: filter.enabled === null || filter.enabled === undefined ? null : Number(filter.enabled),
});

/** One page of flows by name (then id, so pages are stable). */
export async function flowsPage(
  em: EntityManager,
  filter: FlowFilter,
  page: { limit: number; offset: number },
): Promise<FlowRow[]> {
  const rows = await arrays(
    em,
    `select ${FLOW_COLUMNS} from flows f ${FLOW_WHERE} order by f.name, f.id limit @limit offset @offset`,
    { ...filterParams(filter), limit: page.limit, offset: page.offset },
  );
  return rows.map(toFlow);
}

/** How many flows match the filter, over all pages. */
export async function countFlows(em: EntityManager, filter: FlowFilter): Promise<number> {
  const [row] = await all<{ count: number }>(
    em,
    `select count(*) as count from flows f ${FLOW_WHERE}`,
    filterParams(filter),
  );
  return row?.count ?? 0;
}

/** Flows by ID (`flow(id:)`, Relay `node`); missing ones are absent. */
export async function flowsById(em: EntityManager, ids: readonly string[]): Promise<FlowRow[]> {
  if (ids.length === 0) return [];
  const rows = await arrays(em, `select ${FLOW_COLUMNS} from flows f where f.id in (${IDS})`, idList(ids));
  return rows.map(toFlow);
}

/** How many steps each flow has. */
export async function stepCountsOfFlows(em: EntityManager, flowIds: readonly string[]): Promise<number[]> {
  if (flowIds.length === 0) return [];
  const rows = await all<{ flowId: string; count: number }>(
    em,
    `select flow_id as flowId, count(*) as count from flow_steps where flow_id in (${IDS}) group by flow_id`,
    idList(flowIds),
  );
  const counts = new Map(rows.map((row) => [row.flowId, row.count]));
  return flowIds.map((id) => counts.get(id) ?? 0);
}

/** `rows` grouped under each of `ids`, in their order (dataloaders want one list per key). */
function groupBy<T extends { flowId: string }>(ids: readonly string[], rows: T[]): T[][] {
  const groups = new Map<string, T[]>(ids.map((id) => [id, []]));
  for (const row of rows) groups.get(row.flowId)?.push(row);
  return ids.map((id) => groups.get(id) ?? []);
}

// Read by position in `toStep`: keep the two in the same order.
const STEP_COLUMNS = `s.id, s.flow_id, s.key, s.type, s.config, s.label, s.position_x, s.position_y, s.enabled,
  s.on_error, s.retry_attempts, s.timeout_ms, s.action_template_id, a.config`;

const toStep = (row: unknown[]): FlowStepRow => ({
  id: row[0] as string,
  flowId: row[1] as string,
  key: row[2] as string,
  type: row[3] as string,
  config: row[4] as string,
  label: row[5] as string,
  positionX: row[6] as number,
  positionY: row[7] as number,
  enabled: Boolean(row[8]),
  onError: row[9] as ErrorStrategy,
  retryAttempts: row[10] as number,
  timeoutMs: row[11] as number | null,
  actionTemplateId: row[12] as string | null,
  templateConfig: row[13] as string | null,
});

async function selectSteps(em: EntityManager, column: 's.flow_id' | 's.id', values: readonly string[]) {
  if (values.length === 0) return [];
  const rows = await arrays(
    em,
    `select ${STEP_COLUMNS} from flow_steps s left join flow_action_templates a on a.id = s.action_template_id
      where ${column} in (${IDS}) order by s.position_y, s.position_x, s.key`,
    idList(values),
  );
  return rows.map(toStep);
}

/** The steps of each flow, in canvas order (top to bottom, left to right, then key). */
export async function stepsOfFlows(em: EntityManager, flowIds: readonly string[]) {
  return groupBy(flowIds, await selectSteps(em, 's.flow_id', flowIds));
}

/** Steps by ID (Relay `node`); missing ones are absent. */
export function stepsById(em: EntityManager, ids: readonly string[]) {
  return selectSteps(em, 's.id', ids);
}

async function selectEdges(em: EntityManager, column: 'e.flow_id' | 'e.id', values: readonly string[]) {
  if (values.length === 0) return [];
  const rows = await arrays(
    em,
    `select e.id, e.flow_id, s.key, e.source_port, t.key
      from flow_edges e join flow_steps s on s.id = e.source_id join flow_steps t on t.id = e.target_id
      where ${column} in (${IDS}) order by e.rowid`,
    idList(values),
  );
  return rows.map((row): FlowEdgeRow => ({
    id: row[0] as string,
    flowId: row[1] as string,
    source: row[2] as string,
    sourcePort: row[3] as string,
    target: row[4] as string,
  }));
}

/** The edges of each flow, with the keys of the steps they connect. */
export async function edgesOfFlows(em: EntityManager, flowIds: readonly string[]) {
  return groupBy(flowIds, await selectEdges(em, 'e.flow_id', flowIds));
}

/** Edges by ID (Relay `node`); missing ones are absent. */
export function edgesById(em: EntityManager, ids: readonly string[]) {
  return selectEdges(em, 'e.id', ids);
}
