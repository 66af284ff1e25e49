import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gate, harness, manual, type Harness } from './test-fixtures.js';

let h: Harness | undefined;
let dir: string | undefined;
afterEach(async () => {
  await h?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  h = undefined;
  dir = undefined;
});

const say = { key: 'say', type: 'log', config: { message: '{{trigger.text}}' } };

async function runMany(
  harnessed: Harness,
  flowId: string,
  count: number,
  payload: Record<string, unknown> = {},
) {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 100) {
    // settled() right away: a finished run may be pruned soon after.
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, count - i) }, async () => {
        const run = await harnessed.engine.trigger({ flowId, payload });
        return (await harnessed.engine.settled(run.id)).id;
      }),
    );
    ids.push(...batch);
  }
  await harnessed.engine.flush();
  return ids;
}

async function count(harnessed: Harness, sql: string) {
  return ((await harnessed.orm.em.getConnection().execute(sql)) as Array<{ n: number }>)[0]!.n;
}

describe('retention', () => {
  it('keeps the newest maxExecutions finished runs per flow and their timelines only', async () => {
    h = await harness();
    const flowId = await h.createFlow('chatty', [manual, say], [['start', 'say']], { maxExecutions: 5 });
    const other = await h.createFlow('other', [manual], [], { maxExecutions: 100 });
    await runMany(h, other, 3);
    const ids = await runMany(h, flowId, 23);
    const kept = (await h.orm.em
      .getConnection()
      .execute(`select id from flow_executions where flow_id = ? order by created_at`, [flowId])) as Array<{
      id: string;
    }>;
    expect(kept.map((row) => row.id)).toEqual(ids.slice(-5));
    expect(await count(h, `select count(*) as n from flow_executions where flow_id = '${other}'`)).toBe(3);
    expect(await count(h, `select count(*) as n from flow_execution_steps`)).toBe(5 * 2 + 3);
  });

  it('trims to a lowered limit on the next finished run, and never below it when rows vanish elsewhere', async () => {
    h = await harness();
    const flowId = await h.createFlow('edited', [manual, say], [['start', 'say']], { maxExecutions: 20 });
    await runMany(h, flowId, 20);
    const finished = () => count(h!, `select count(*) as n from flow_executions where flow_id = '${flowId}'`);
    expect(await finished()).toBe(20);
    // The caregiver lowers the limit: the next run finishing trims the history to it.
    await h.orm.em.getConnection().execute(`update flows set max_executions = 8 where id = ?`, [flowId]);
    await runMany(h, flowId, 1);
    expect(await finished()).toBe(8);
    // Rows removed behind the pruner's back (another tool, a deleted run) are counted again, so the
    // tally it keeps cannot make it delete more than the excess.
    await h.orm.em
      .getConnection()
      .execute(
        `delete from flow_executions where id in (select id from flow_executions where flow_id = ? order by created_at limit 5)`,
        [flowId],
      );
    await runMany(h, flowId, 4);
    expect(await finished()).toBe(7);
    await runMany(h, flowId, 3);
    expect(await finished()).toBe(8);
  });

  it('never prunes a run that is still active', async () => {
    h = await harness();
    const g = gate('retention');
    const flowId = await h.createFlow(
      'busy',
      [manual, { key: 'work', type: 'test_gate', config: { name: 'retention' } }],
      [['start', 'work']],
      { maxExecutions: 1 },
    );
    const runs = await Promise.all([1, 2, 3].map(() => h!.engine.trigger({ flowId })));
    await h.engine.flush();
    expect(await count(h, `select count(*) as n from flow_executions`)).toBe(3);
    g.open();
    await Promise.all(runs.map((run) => h!.engine.settled(run.id)));
    await h.engine.flush();
    expect(await count(h, `select count(*) as n from flow_executions`)).toBe(1);
  });

  it('keeps the SQLite file bounded under a steady stream of runs', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-retention-'));
    const file = path.join(dir, 'kinflow.sqlite');
    // The replayable event log is bounded on its own (KINFLOW_EVENT_LOG_SIZE); keep it small here so
    // the file measures run retention.
    h = await harness({ file, engine: { eventLogSize: 1000 } });
    const flowId = await h.createFlow('stream', [manual, say], [['start', 'say']], { maxExecutions: 50 });
    const text = 'a fairly long message to give every run some weight '.repeat(20);
    const size = () =>
      ['', '-wal'].reduce(
        (sum, suffix) => sum + (fs.existsSync(file + suffix) ? fs.statSync(file + suffix).size : 0),
        0,
      );
    const sizes: number[] = [];
    for (let round = 0; round < 6; round++) {
      await runMany(h, flowId, 400, { text });
      // Measure once pruning has caught up, so a busy machine (pruning runs off the hot path, later)
      // cannot make one round look bigger than another.
      for (let i = 0; i < 200 && (await count(h, `select count(*) as n from flow_executions`)) > 50; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      // The engine truncates the WAL after pruning at most every few seconds; force it for the measurement.
      await h.orm.em.getConnection().execute('pragma wal_checkpoint(TRUNCATE)');
      sizes.push(size());
    }
    expect(await count(h, `select count(*) as n from flow_executions`)).toBe(50);
    // Pages freed by pruning are reused, so the file stops growing once it holds one burst of runs.
    // How many runs one round holds at its peak (50 to 450 here) depends on when the background pass
    // happens to run, so allow twice the first round: without pruning, six rounds would be ~6×.
    for (const later of sizes.slice(1)) expect(later).toBeLessThanOrEqual(sizes[0]! * 2);
  });
});
