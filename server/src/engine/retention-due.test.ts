import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { Retention } from './retention.js';
import type { SqliteDatabase } from './sqlite.js';
import type { ExecutionStore } from './store.js';

// better-sqlite3 ships no types; the engine's own interface describes what is used of it.
const Database = createRequire(import.meta.url)('better-sqlite3') as new (
  file: string,
) => SqliteDatabase & { close(): void };

/** The two tables retention reads, an after-commit queue standing in for the store, and a statement log. */
function setup() {
  const raw = new Database(':memory:');
  raw.exec(`create table flows (id text primary key, max_executions integer not null);
    create table flow_executions (id text primary key, flow_id text not null, status text not null,
      created_at integer not null);
    create index flow_executions_flow_created on flow_executions (flow_id, created_at);`);
  const ran: string[] = [];
  // Every statement retention prepares reports each run, so the test can count reads per commit.
  const db = new Proxy(raw, {
    get(target, key) {
      if (key !== 'prepare') {
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      }
      return (sql: string) => {
        const statement = target.prepare(sql);
        const logged =
          (method: 'get' | 'run' | 'all') =>
          (...args: unknown[]) => {
            ran.push(sql.trim().split(/\s+/).slice(0, 4).join(' '));
            return statement[method](...args);
          };
        return { get: logged('get'), run: logged('run'), all: logged('all') };
      };
    },
  }) as unknown as SqliteDatabase;
  const afterCommit: Array<() => void> = [];
  const store = { afterNextCommit: (callback: () => void) => afterCommit.push(callback) };
  const retention = new Retention(db, store as unknown as ExecutionStore, () => {});
  retention.stop(); // no background timer: the test decides when pruning runs
  let clock = 0;
  const finish = (flowId: string, count: number, status = 'completed') => {
    const insert = raw.prepare(`insert into flow_executions values (?, ?, ?, ?)`);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = `${flowId}-${++clock}`;
      insert.run(id, flowId, status, clock);
      ids.push(id);
      if (status !== 'running') retention.noteFinished(flowId);
    }
    return ids;
  };
  const commit = () => {
    for (const callback of afterCommit.splice(0)) callback();
  };
  const kept = (flowId: string) =>
    (
      raw
        .prepare(`select id from flow_executions where flow_id = ? order by created_at`)
        .all(flowId) as Array<{
        id: string;
      }>
    ).map((row) => row.id);
  return { raw, ran, retention, finish, commit, kept };
}

let opened: ReturnType<typeof setup>['raw'] | undefined;
afterEach(() => opened?.close());

describe('retention due list', () => {
  it('reads each flow’s limit once per commit, however many of its runs the commit ends', () => {
    const t = setup();
    opened = t.raw;
    t.raw.exec(`insert into flows values ('a', 10), ('b', 10)`);
    t.finish('a', 30);
    t.finish('b', 4);
    t.commit();
    // First sight of a flow: nothing is read until the pass counts it.
    expect(t.ran.filter((sql) => sql.startsWith('select max_executions'))).toHaveLength(0);
    t.retention.runOnce(true);
    t.ran.length = 0;
    t.finish('a', 12);
    t.finish('b', 3);
    t.commit();
    expect(t.ran.filter((sql) => sql.startsWith('select max_executions'))).toEqual([
      'select max_executions from flows',
      'select max_executions from flows',
    ]);
  });

  it('prunes exactly the oldest finished runs above the limit, never active ones or other flows', () => {
    const t = setup();
    opened = t.raw;
    t.raw.exec(`insert into flows values ('a', 5), ('b', 5)`);
    const running = t.finish('a', 2, 'running');
    const a = t.finish('a', 12);
    const b = t.finish('b', 5);
    t.commit();
    t.retention.runOnce(true);
    expect(t.kept('a')).toEqual([...running, ...a.slice(-5)]);
    expect(t.kept('b')).toEqual(b);

    // A lowered limit applies with the next commit that ends a run of the flow.
    t.raw.exec(`update flows set max_executions = 2 where id = 'b'`);
    const more = t.finish('b', 1);
    t.commit();
    t.retention.runOnce(true);
    expect(t.kept('b')).toEqual([...b.slice(-1), ...more]);
    expect(t.kept('a')).toEqual([...running, ...a.slice(-5)]);
  });

  it('leaves a flow a few runs over its limit alone in the background and trims it exactly on drain', () => {
    const t = setup();
    opened = t.raw;
    t.raw.exec(`insert into flows values ('a', 100)`);
    const first = t.finish('a', 100);
    t.commit();
    t.retention.runOnce();
    // 3 over a limit of 100 is within the 5 % slack: the background pass deletes nothing.
    const next = t.finish('a', 3);
    t.commit();
    expect(t.retention.runOnce()).toBe(0);
    expect(t.kept('a')).toHaveLength(103);
    t.retention.drain();
    expect(t.kept('a')).toEqual([...first.slice(3), ...next]);
  });
});
