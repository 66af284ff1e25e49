import type { MikroORM } from '@mikro-orm/better-sqlite';
import type { Migration } from './migration.js';

export interface MigrationEntry {
  name: string;
  class: new (...args: ConstructorParameters<typeof Migration>) => Migration;
}

/** Created the way MikroORM's Migrator creates it, so either can run against a database the other made. */
const CREATE_TABLE = (table: string) =>
  `create table \`${table}\` (\`id\` integer not null primary key autoincrement, \`name\` varchar(255), \`executed_at\` datetime default CURRENT_TIMESTAMP)`;

/**
 * Applies the pending migrations of `list`, in order, all in one transaction, and records each in
 * `table` — what MikroORM's Migrator does for our options (transactional, all or nothing, no
 * snapshot), without loading it: on a migrated database this is two small queries. Returns the names
 * applied.
 */
export async function applyMigrations(
  orm: MikroORM,
  list: MigrationEntry[],
  table: string,
): Promise<string[]> {
  const driver = orm.em.getDriver();
  const connection = driver.getConnection();
  const exists = await connection.execute<Array<{ name: string }>>(
    `select name from sqlite_master where type = 'table' and name = ?`,
    [table],
  );
  if (exists.length === 0) await connection.execute(CREATE_TABLE(table), [], 'run');
  const rows = await connection.execute<Array<{ name: string }>>(`select name from \`${table}\` order by id`);
  // The Migrator stores names without an extension but accepts them with one.
  const executed = new Set(rows.map((row) => row.name.replace(/\.[jt]s$/, '')));
  const pending = list.filter((entry) => !executed.has(entry.name));
  if (pending.length === 0) return [];
  await connection.transactional(async (trx) => {
    for (const entry of pending) {
      const migration = new entry.class(driver, orm.config);
      migration.reset();
      migration.setTransactionContext(trx);
      await migration.up();
      for (const sql of migration.getQueries()) {
        if (typeof sql === 'string' && sql.trim().length === 0) continue;
        await driver.execute(sql, undefined, 'all', trx);
      }
      await driver.nativeInsert(table, { name: entry.name }, { ctx: trx });
    }
  });
  return pending.map((entry) => entry.name);
}
