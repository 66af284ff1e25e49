import fs from 'node:fs';
import path from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/better-sqlite';
import { allEntities } from './entities/index.js';
import { applyMigrations } from './migrate.js';
import { migrationsList } from './migrations/index.js';

export type Orm = MikroORM;

const MIGRATIONS_TABLE = 'kinflow_migrations';

/** With `extensions: [Migrator]` for `orm.getMigrator()` (tests, `pnpm migration:create`). */
export function ormOptions(sqlitePath: string, extensions: Options['extensions'] = []): Options {
  return {
    dbName: sqlitePath,
    entities: allEntities,
    extensions,
    migrations: {
      // Our migrations extend MikroORM's own Migration class, loaded by path (see migration.ts).
      migrationsList: migrationsList as NonNullable<Options['migrations']>['migrationsList'],
      path: new URL('./migrations', import.meta.url).pathname,
      tableName: MIGRATIONS_TABLE,
      transactional: true,
      snapshot: false,
      emit: 'ts',
      silent: true,
    },
    forceUtcTimezone: true,
    allowGlobalContext: false,
    debug: false,
  };
}

/**
 * Opens the database, switches SQLite to WAL and applies pending migrations. With `migrate: false`
 * nothing is applied and `orm.getMigrator()` is there to do it step by step.
 */
export async function openDatabase(sqlitePath: string, options: { migrate?: boolean } = {}): Promise<Orm> {
  if (sqlitePath !== ':memory:') fs.mkdirSync(path.dirname(sqlitePath), { recursive: true });
  const extensions = options.migrate === false ? [(await import('@mikro-orm/migrations')).Migrator] : [];
  const orm = await MikroORM.init(ormOptions(sqlitePath, extensions));
  const connection = orm.em.getConnection();
  // journal_mode must be set outside a transaction, so before the migrator opens one.
  await connection.execute('pragma journal_mode = WAL');
  await connection.execute('pragma synchronous = NORMAL');
  await connection.execute('pragma foreign_keys = ON');
  await connection.execute('pragma busy_timeout = 5000');
  if (options.migrate !== false) await applyMigrations(orm, migrationsList, MIGRATIONS_TABLE);
  return orm;
}
