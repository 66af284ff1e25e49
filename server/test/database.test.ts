import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/index.js';
import { migrationsList } from '../src/db/migrations/index.js';
import { applyMigrations } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/orm.js';

describe('database', () => {
  it('migrations produce exactly the schema the entities describe', async () => {
    // MikroORM's SQLite diff always re-creates tables with CHECK constraints, so compare the
    // migrated database with one built straight from the entities, column by column.
    const describeDb = async (orm: Awaited<ReturnType<typeof openDatabase>>) => {
      const connection = orm.em.getConnection();
      const tables = await connection.execute<Array<{ name: string }>>(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name != 'kinflow_migrations' order by name",
      );
      const shape: Record<string, unknown> = {};
      for (const { name } of tables) {
        shape[name] = {
          columns: await connection.execute(`pragma table_info(\`${name}\`)`),
          indexes: (
            await connection.execute<Array<{ name: string; unique: number }>>(
              `pragma index_list(\`${name}\`)`,
            )
          )
            .map((index) => `${index.name}:${index.unique}`)
            .sort(),
          foreignKeys: await connection.execute(`pragma foreign_key_list(\`${name}\`)`),
        };
      }
      return shape;
    };
    const migrated = await openDatabase(':memory:');
    const generated = await openDatabase(':memory:', { migrate: false });
    try {
      await generated.schema.createSchema();
      const fromMigrations = await describeDb(migrated);
      expect(Object.keys(fromMigrations)).toEqual(
        expect.arrayContaining([
          'flows',
          'flow_steps',
          'flow_edges',
          'flow_executions',
          'flow_execution_steps',
          'flow_action_templates',
          'flow_alerts',
          'flow_variables',
          'nodes',
          'telemetry_latest',
          'telemetry_samples',
          'devices',
          'prompts',
          'info_cards',
          'users',
          'api_keys',
          'auth_sessions',
        ]),
      );
      expect(fromMigrations).toEqual(await describeDb(generated));
    } finally {
      await migrated.close();
      await generated.close();
    }
  });

  it('the start-up migration runner and the MikroORM Migrator make the same database and agree on it', async () => {
    const schemaOf = async (orm: Awaited<ReturnType<typeof openDatabase>>) => ({
      sql: await orm.em
        .getConnection()
        .execute(
          "select type, name, sql from sqlite_master where name not like 'sqlite_%' order by type, name",
        ),
      applied: (
        await orm.em
          .getConnection()
          .execute<Array<{ name: string }>>('select name from kinflow_migrations order by id')
      ).map((row) => row.name),
    });
    const ours = await openDatabase(':memory:');
    const theirs = await openDatabase(':memory:', { migrate: false });
    const partly = await openDatabase(':memory:', { migrate: false });
    try {
      await theirs.getMigrator().up();
      expect(await schemaOf(ours)).toEqual(await schemaOf(theirs));
      expect((await schemaOf(ours)).applied).toEqual(migrationsList.map((m) => m.name));
      // Started by the Migrator, finished by the runner: only the rest is applied, once.
      await partly.getMigrator().up({ to: migrationsList[1]!.name });
      expect(await applyMigrations(partly, migrationsList, 'kinflow_migrations')).toEqual(
        migrationsList.slice(2).map((m) => m.name),
      );
      expect(await applyMigrations(partly, migrationsList, 'kinflow_migrations')).toEqual([]);
      expect(await schemaOf(partly)).toEqual(await schemaOf(theirs));
      expect(await partly.getMigrator().getPendingMigrations()).toEqual([]);
    } finally {
      await Promise.all([ours.close(), theirs.close(), partly.close()]);
    }
  });

  it('creates the SQLite file in WAL mode and migrates it only once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-db-'));
    const file = path.join(dir, 'nested', 'kinflow.sqlite');
    for (let start = 0; start < 2; start++) {
      const orm = await openDatabase(file);
      const [mode] = await orm.em
        .getConnection()
        .execute<Array<{ journal_mode: string }>>('pragma journal_mode');
      expect(mode?.journal_mode).toBe('wal');
      const applied = await orm.em
        .getConnection()
        .execute<Array<{ n: number }>>('select count(*) as n from kinflow_migrations');
      expect(applied[0]?.n).toBe(migrationsList.length); // each once, also on the second start
      await orm.close();
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('configuration', () => {
  it('has documented defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.sqlitePath).toBe(path.resolve('./data/kinflow.sqlite'));
    expect(config.schedulerTickMs).toBe(30_000);
    expect(config.nodeOfflineSeconds).toBe(120);
    expect(config.mqttUrl).toBeUndefined();
  });

  it('reads the scheduler and liveness timings in seconds', () => {
    const config = loadConfig({ KINFLOW_SCHEDULER_TICK_SECONDS: '0.5', KINFLOW_NODE_OFFLINE_SECONDS: '600' });
    expect(config.schedulerTickMs).toBe(500);
    expect(config.nodeOfflineSeconds).toBe(600);
  });

  it('reads KINFLOW_DATA_DIR and DATABASE_URL', () => {
    expect(loadConfig({ KINFLOW_DATA_DIR: '/srv/kinflow' }).sqlitePath).toBe('/srv/kinflow/kinflow.sqlite');
    expect(loadConfig({ DATABASE_URL: 'sqlite:/tmp/k.sqlite' }).sqlitePath).toBe('/tmp/k.sqlite');
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ KINFLOW_API_KEY: 'short' }, /KINFLOW_API_KEY/],
    [{ KINFLOW_ADMIN_EMAIL: 'a@b.c' }, /together/],
    [{ KINFLOW_ADMIN_EMAIL: 'a@b.c', KINFLOW_ADMIN_PASSWORD: 'short' }, /at least 8/],
    [{ DATABASE_URL: 'mysql://user:secret@db/kinflow' }, /not supported/],
    [{ KINFLOW_OUTBOUND_ALLOW: '192.168.1.0/99' }, /KINFLOW_OUTBOUND_ALLOW/],
    [{ KINFLOW_SCHEDULER_TICK_SECONDS: '0' }, /KINFLOW_SCHEDULER_TICK_SECONDS/],
    [{ KINFLOW_NODE_OFFLINE_SECONDS: 'soon' }, /KINFLOW_NODE_OFFLINE_SECONDS/],
    [{ KINFLOW_WEBHOOK_BURST: '0' }, /KINFLOW_WEBHOOK_BURST/],
    [{ KINFLOW_WEBHOOK_BURST: '20000' }, /KINFLOW_WEBHOOK_BURST at most 10000/],
    [{ KINFLOW_WEBHOOK_RATE_PER_MINUTE: '1000000' }, /KINFLOW_WEBHOOK_RATE_PER_MINUTE must be at most/],
  ])('refuses %o with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes database passwords in errors', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:secret@db/kinflow' })).not.toThrow(/secret/);
  });
});
