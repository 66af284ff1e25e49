import fs from 'node:fs';
import path from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/better-sqlite';
import { Migrator } from '@mikro-orm/migrations';
import { allEntities } from './entities/index.js';
import { migrationsList } from './migrations/index.js';

export type Orm = MikroORM;

export function ormOptions(sqlitePath: string): Options {
  return {
    dbName: sqlitePath,
    entities: allEntities,
    extensions: [Migrator],
    migrations: {
      migrationsList,
      path: new URL('./migrations', import.meta.url).pathname,
      tableName: 'kinflow_migrations',
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

/** Opens the database, switches SQLite to WAL and applies pending migrations. */
export async function openDatabase(sqlitePath: string, options: { migrate?: boolean } = {}): Promise<Orm> {
  if (sqlitePath !== ':memory:') fs.mkdirSync(path.dirname(sqlitePath), { recursive: true });
  const orm = await MikroORM.init(ormOptions(sqlitePath));
  const connection = orm.em.getConnection();
  // journal_mode must be set outside a transaction, so before the migrator opens one.
  await connection.execute('pragma journal_mode = WAL');
  await connection.execute('pragma synchronous = NORMAL');
  await connection.execute('pragma foreign_keys = ON');
  await connection.execute('pragma busy_timeout = 5000');
  if (options.migrate !== false) await orm.getMigrator().up();
  return orm;
}
