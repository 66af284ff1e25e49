// Engine benchmark: persisted runs per second of a 5-step flow (timeline on), the same flow with a
// zero-length durable wait in the middle, and the SQLite single-transaction ceiling on this machine.
// Run: cd test && npx tsx bench/engine.ts   (RUNS=… IN_FLIGHT=… to change the load)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Orm } from '../../server/src/db/orm.js';
import { FlowEngine } from '../../server/src/engine/index.js';
import { edgeInputs, type EdgeTuple } from '../../server/src/engine/test-fixtures.js';
import { FlowService } from '../../server/src/flows/service.js';
import { discoverStepTypes } from '../../server/src/steps/registry.js';

const RUNS = Number(process.env.RUNS ?? 20_000);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 256);
const CEILING_ROWS = 200_000;

async function createFlow(orm: Orm, flows: FlowService, name: string, withWait: boolean): Promise<string> {
  const steps = [
    { key: 'start', type: 'manual', config: {} },
    { key: 'check', type: 'condition', config: { expression: 'trigger.value > 50' } },
    { key: 'high', type: 'log', config: { message: 'high reading {{trigger.value}} on {node_name}' } },
    { key: 'low', type: 'log', config: { message: 'normal reading {{trigger.value}}' } },
    { key: 'end', type: 'log', config: { message: 'done at {{system.local_time}}' } },
    ...(withWait ? [{ key: 'pause', type: 'wait', config: { seconds: 0 } }] : []),
  ];
  const edges: EdgeTuple[] = withWait
    ? [
        ['start', 'check'],
        ['check', 'high', 'true'],
        ['check', 'low', 'false'],
        ['high', 'pause'],
        ['low', 'pause'],
        ['pause', 'end'],
      ]
    : [
        ['start', 'check'],
        ['check', 'high', 'true'],
        ['check', 'low', 'false'],
        ['high', 'end'],
        ['low', 'end'],
      ];
  const flow = await flows.create(
    orm.em.fork(),
    { name, maxConcurrentRuns: 100_000, maxExecutions: 1000 },
    {
      steps,
      edges: edgeInputs(edges),
    },
  );
  return flow.id;
}

/** Keeps IN_FLIGHT runs going until RUNS have finished; returns runs per second. */
async function measure(
  engine: FlowEngine,
  flowId: string,
  runs: number,
): Promise<{ perSecond: number; failed: number }> {
  let started = 0;
  let failed = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (started < runs) {
      const n = started++;
      const run = await engine.trigger({
        flowId,
        payload: { value: n % 100, node: { id: `node-${n % 7}`, name: 'Kitchen sensor' } },
      });
      const done = await engine.settled(run.id);
      if (done.status !== 'completed') failed++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  await engine.flush();
  return { perSecond: runs / ((performance.now() - t0) / 1000), failed };
}

/** Simple inserts in one transaction through the same ORM connection the engine uses. */
export async function sqliteCeiling(orm: Orm): Promise<number> {
  const client = orm.em.getConnection().getKnex().client as {
    acquireConnection(): Promise<any>;
    releaseConnection(c: unknown): Promise<void>;
  };
  const db = await client.acquireConnection();
  await client.releaseConnection(db);
  db.exec(
    'create table if not exists bench_ceiling (id text primary key, value text not null, at integer not null)',
  );
  const insert = db.prepare('insert into bench_ceiling (id, value, at) values (?, ?, ?)');
  const t0 = performance.now();
  db.transaction(() => {
    for (let i = 0; i < CEILING_ROWS; i++) insert.run(`row-${i}`, 'a small value', i);
  })();
  const perSecond = CEILING_ROWS / ((performance.now() - t0) / 1000);
  db.exec('drop table bench_ceiling');
  return perSecond;
}

export async function engineBenchmark(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-bench-'));
  const orm = await openDatabase(path.join(dir, 'bench.sqlite'));
  try {
    const registry = await discoverStepTypes();
    const flows = new FlowService(registry);
    const engine = new FlowEngine({ orm, registry, timezone: 'Europe/Berlin' });
    await engine.start();
    const plain = await createFlow(orm, flows, 'bench 5 steps', false);
    const waiting = await createFlow(orm, flows, 'bench with wait', true);

    await measure(engine, plain, Math.min(2000, RUNS)); // warm-up: JIT, statement cache, file growth
    const a = await measure(engine, plain, RUNS);
    const b = await measure(engine, waiting, RUNS);
    await engine.stop();
    const c = await sqliteCeiling(orm);

    const rows = (perRun: number, runs: number) => perRun * runs;
    console.log('engine benchmark (file-backed SQLite, WAL, timeline on)');
    console.log(`  cpus: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}; node ${process.version}`);
    console.log(`  runs: ${RUNS}, in flight: ${IN_FLIGHT}`);
    console.log(
      `  5-step flow (trigger → condition → two actions → end):  ${a.perSecond.toFixed(0)} runs/s${a.failed ? ` (${a.failed} failed!)` : ''}`,
    );
    console.log(
      `  same flow + zero-length durable wait:                    ${b.perSecond.toFixed(0)} runs/s${b.failed ? ` (${b.failed} failed!)` : ''}`,
    );
    console.log(`  SQLite single-transaction ceiling:                       ${c.toFixed(0)} inserts/s`);
    // A run writes 1 run row + 5 timeline rows (inserts) and updates its run row once more per commit.
    const perRun = 7;
    console.log(
      `  ratio runs/s ÷ ceiling:                                  ${(a.perSecond / c).toFixed(4)} (${((rows(perRun, a.perSecond) / c) * 100).toFixed(1)}% of the ceiling in row writes, ~${perRun} per run)`,
    );
    console.log(`  ratio (with wait) runs/s ÷ ceiling:                      ${(b.perSecond / c).toFixed(4)}`);
  } finally {
    await orm.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await engineBenchmark();
