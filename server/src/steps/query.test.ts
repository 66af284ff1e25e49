import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createActionServices } from '../actions/create.js';
import { outputOf, runChain } from '../actions/test-support.js';
import { SecretBox } from '../crypto/secret-box.js';
import { GatewayNode } from '../db/entities/index.js';
import { rawDatabase, type SqliteDatabase } from '../engine/sqlite.js';
import { harness, manual, type Harness } from '../engine/test-fixtures.js';
import { dataKeys } from '../engine/validation.js';
import { FlowService } from '../flows/service.js';
import { parseOutboundAllowlist } from '../net/index.js';
import { createKinflowReads } from '../queries/reads.js';
import { TelemetryStore } from '../telemetry/store.js';

let h: Harness;
let db: SqliteDatabase;
let telemetry: TelemetryStore;
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

beforeEach(async () => {
  telemetry = await TelemetryStore.open();
  h = await harness({
    services: (orm, registry) => ({
      ...createActionServices({
        orm,
        registry,
        secrets: new SecretBox(randomBytes(32)),
        config: { outbound: parseOutboundAllowlist('') },
      }),
      reads: createKinflowReads({ db: () => db, telemetry: () => telemetry }),
    }),
  });
  db = await rawDatabase(h.orm);
});
afterEach(async () => {
  await h.close();
  await telemetry.close();
});

async function addNode(
  name: string,
  values: Partial<{ kind: string; tags: string[]; status: 'online' | 'offline' }> = {},
) {
  const em = h.em();
  const node = em.create(GatewayNode, {
    name,
    kind: values.kind ?? 'sensor',
    tags: values.tags ?? [],
    status: values.status ?? 'online',
    metadata: { room: name },
    sshHost: '10.0.0.9',
    sshUser: 'root',
    sshSecretEncrypted: 'sealed-secret',
  });
  await em.flush();
  return node.id;
}

const query = (config: Record<string, unknown>, key = 'q') => ({ key, type: 'query', config });

describe('query step', () => {
  it('reads nodes by selector, without SSH details, up to the limit; a condition tests the count', async () => {
    await addNode('kitchen', { tags: ['ground', 'wet'] });
    await addNode('bathroom', { tags: ['ground', 'wet'], status: 'offline' });
    await addNode('bedroom', { tags: ['upstairs'] });
    const { run } = await runChain(
      h,
      'nodes',
      [
        query({ source: 'nodes', selector: { tags: ['ground'] }, limit: 1 }),
        { key: 'any', type: 'condition', config: { expression: 'steps.q.output.count >= 2' } },
        query({ source: 'nodes', selector: { status: 'offline' } }, 'offline'),
      ],
      {},
      { any: 'true' },
    );
    expect(run.status).toBe('completed');
    const found = outputOf(run, 'q');
    expect(found).toMatchObject({ source: 'nodes', count: 2, truncated: true });
    expect(found.items).toEqual([
      expect.objectContaining({
        name: 'bathroom',
        kind: 'sensor',
        tags: ['ground', 'wet'],
        metadata: { room: 'bathroom' },
      }),
    ]);
    expect(JSON.stringify(found)).not.toMatch(/ssh|10\.0\.0\.9|sealed/);
    expect(outputOf(run, 'any').result).toBe(true);
    expect(outputOf(run, 'offline').items.map((n: { name: string }) => n.name)).toEqual(['bathroom']);
  });

  it('reads the latest telemetry values and the history of a window with min, max and avg', async () => {
    const kitchen = await addNode('kitchen', { tags: ['ground'] });
    const hall = await addNode('hall', { tags: ['ground'] });
    await addNode('attic', { tags: ['roof'] });
    telemetry.ingest([
      { nodeId: kitchen, metric: 'temperature', value: 10, recordedAt: minutesAgo(90) },
      { nodeId: kitchen, metric: 'temperature', value: 20, recordedAt: minutesAgo(30) },
      { nodeId: kitchen, metric: 'temperature', value: 22, recordedAt: minutesAgo(5) },
      { nodeId: hall, metric: 'temperature', value: 18, recordedAt: minutesAgo(10) },
      { nodeId: hall, metric: 'humidity', value: 60, recordedAt: minutesAgo(10) },
    ]);
    const { run } = await runChain(h, 'telemetry', [
      query({ source: 'telemetry', metric: 'temperature' }, 'latest'),
      query(
        { source: 'telemetry', metric: 'temperature', mode: 'history', windowMinutes: 60, limit: 2 },
        'hour',
      ),
      query(
        {
          source: 'telemetry',
          metric: 'temperature',
          mode: 'history',
          windowMinutes: 120,
          selector: { ids: [kitchen] },
        },
        'kitchen',
      ),
      query({ source: 'telemetry', metric: 'temperature', selector: { tags: ['roof'] } }, 'roof'),
      { key: 'warm', type: 'condition', config: { expression: 'steps.hour.output.avg > 19' } },
    ]);
    expect(run.status).toBe('completed');
    expect(outputOf(run, 'latest')).toMatchObject({ count: 2, min: 18, max: 22, avg: 20 });
    expect(
      outputOf(run, 'latest').items.map((i: { nodeName: string; value: number }) => [i.nodeName, i.value]),
    ).toEqual([
      ['kitchen', 22],
      ['hall', 18],
    ]);
    // The last hour: 20, 22 (kitchen) and 18 (hall); the 90-minute-old 10 is outside.
    const hour = outputOf(run, 'hour');
    expect(hour).toMatchObject({ mode: 'history', count: 3, min: 18, max: 22, avg: 20, truncated: true });
    expect(hour.items.map((i: { value: number }) => i.value)).toEqual([18, 22]);
    expect(hour.latest).toMatchObject({ nodeName: 'kitchen', value: 22 });
    expect(outputOf(run, 'kitchen')).toMatchObject({ count: 3, min: 10, max: 22, avg: 52 / 3 });
    expect(outputOf(run, 'roof')).toMatchObject({ count: 0, items: [], min: null, avg: null, latest: null });
    expect(outputOf(run, 'warm').result).toBe(true);
  });

  it('reads alerts by level, acknowledged or not, within a window', async () => {
    const insert = db.prepare(
      `insert into flow_alerts (id, level, message, created_at, acknowledged_at) values (?, ?, ?, ?, ?)`,
    );
    insert.run('a1', 'emergency', 'fall in the bathroom', minutesAgo(10).getTime(), null);
    insert.run('a2', 'warning', 'door open', minutesAgo(20).getTime(), minutesAgo(15).getTime());
    insert.run('a3', 'emergency', 'old fall', minutesAgo(600).getTime(), minutesAgo(590).getTime());
    insert.run('a4', 'info', 'battery low', minutesAgo(5).getTime(), null);
    const { run } = await runChain(h, 'alerts', [
      query({ source: 'alerts', levels: ['emergency', 'warning'], windowMinutes: 60 }, 'urgent'),
      query({ source: 'alerts', acknowledged: false }, 'open'),
      query({ source: 'alerts', acknowledged: true, limit: 1 }, 'done'),
    ]);
    expect(outputOf(run, 'urgent').items.map((a: { id: string }) => a.id)).toEqual(['a1', 'a2']);
    expect(outputOf(run, 'urgent').items[1]).toMatchObject({
      level: 'warning',
      acknowledged: true,
      message: 'door open',
    });
    expect(outputOf(run, 'open')).toMatchObject({ count: 2, truncated: false });
    expect(outputOf(run, 'open').items.map((a: { id: string }) => a.id)).toEqual(['a4', 'a1']);
    expect(outputOf(run, 'done')).toMatchObject({
      count: 2,
      truncated: true,
      items: [expect.objectContaining({ id: 'a2' })],
    });
  });

  it('reads runs of this flow or another by name, by status and window, without the current run', async () => {
    const other = await h.createFlow(
      'flaky job',
      [
        manual,
        { key: 'fail', type: 'script', config: { code: 'if (payload.fail) throw new Error("x"); return 1' } },
      ],
      [['start', 'fail']],
    );
    for (const fail of [true, false, true]) {
      await h.engine.settled((await h.engine.trigger({ flowId: other, payload: { fail } })).id);
    }
    const steps = [
      query({ source: 'runs', flowName: 'flaky job', statuses: ['failed'], windowMinutes: 60 }, 'failures'),
      query({ source: 'runs', limit: 5 }, 'mine'),
      { key: 'often', type: 'condition', config: { expression: 'steps.failures.output.count >= 2' } },
    ];
    const { flowId, run } = await runChain(h, 'watcher', steps, {}, { often: 'true' });
    expect(run.status).toBe('completed');
    expect(outputOf(run, 'failures')).toMatchObject({ count: 2 });
    expect(outputOf(run, 'failures').items[0]).toMatchObject({
      status: 'failed',
      flowId: other,
      error: { stepKey: 'fail' },
    });
    expect(outputOf(run, 'mine').count).toBe(0);
    expect(outputOf(run, 'often').result).toBe(true);
    const second = await h.engine.settled((await h.engine.trigger({ flowId, payload: {} })).id);
    expect(outputOf(second, 'mine').items).toEqual([
      expect.objectContaining({ id: run.id, status: 'completed' }),
    ]);
  });

  it('reads variables of the flow or global ones, hiding engine state', async () => {
    const { run } = await runChain(
      h,
      'vars',
      [
        { key: 'a', type: 'set_variable', config: { key: 'visits', value: 3 } },
        { key: 'b', type: 'set_variable', config: { key: 'mood', value: 'calm', scope: 'global' } },
        { key: 'c', type: 'cooldown', config: { minutes: 5 } },
        query({ source: 'variables' }, 'flowVars'),
        query({ source: 'variables', scope: 'global', keys: ['mood', 'missing'] }, 'globals'),
      ],
      {},
      { c: 'pass' },
    );
    expect(outputOf(run, 'flowVars')).toMatchObject({ count: 1, values: { visits: 3 } });
    expect(outputOf(run, 'globals')).toMatchObject({
      count: 1,
      items: [{ key: 'mood', value: 'calm', scope: 'global' }],
      values: { mood: 'calm' },
    });
  });

  it('refuses fields of another source and a missing metric at save time', async () => {
    const flows = new FlowService(h.registry);
    const issues = await flows.check(h.em(), {
      steps: [
        { key: 'start', type: 'manual', config: {} },
        { key: 'q', type: 'query', config: { source: 'nodes', levels: ['info'] } },
        { key: 't', type: 'query', config: { source: 'telemetry' } },
        { key: 'r', type: 'query', config: { source: 'runs', flowName: 'nobody' } },
      ],
      edges: [
        { source: 'start', target: 'q', sourcePort: 'main' },
        { source: 'q', target: 't', sourcePort: 'main' },
        { source: 't', target: 'r', sourcePort: 'main' },
      ],
    });
    expect(issues.map((issue) => [issue.stepKey, issue.field])).toEqual(
      expect.arrayContaining([
        ['q', 'config.levels'],
        ['t', 'config.metric'],
        ['r', 'config.flowName'],
      ]),
    );
    expect(issues.find((issue) => issue.field === 'config.levels')?.message).toMatch(
      /applies to source alerts, not nodes/,
    );
  });

  it('a script runs per node in for_each_node, its code left as written', async () => {
    await addNode('kitchen', { tags: ['ground'] });
    await addNode('hall', { tags: ['ground'] });
    const { run } = await runChain(h, 'per node', [
      {
        key: 'each',
        type: 'for_each_node',
        config: {
          selector: { tags: ['ground'] },
          action: {
            type: 'script',
            config: { code: 'const node_name = trigger.node.name.toUpperCase(); return {node_name}' },
          },
        },
      },
    ]);
    expect(run.status).toBe('completed');
    const results = outputOf(run, 'each').results as Array<{ nodeName: string; output: { result: unknown } }>;
    expect(results.map((r) => [r.nodeName, r.output.result])).toEqual([
      ['hall', { node_name: 'HALL' }],
      ['kitchen', { node_name: 'KITCHEN' }],
    ]);
  });

  it('runs in testStep and is listed with its schema and version', async () => {
    await addNode('porch', { kind: 'camera' });
    const result = await h.engine.testStep({
      type: 'query',
      config: { source: 'nodes', selector: { kind: 'camera' } },
    });
    expect(result).toMatchObject({
      success: true,
      output: { count: 1, items: [expect.objectContaining({ name: 'porch' })] },
    });
    // Later steps are offered the output keys.
    const graph = [
      { key: 'start', type: 'manual', config: {} },
      { key: 'temps', type: 'query', config: { source: 'telemetry', metric: 'temperature' } },
      { key: 'calc', type: 'script', config: { code: 'return 1' } },
      { key: 'end', type: 'log', config: { message: 'x' } },
    ];
    const edges = [
      { source: 'start', target: 'temps' },
      { source: 'temps', target: 'calc' },
      { source: 'calc', target: 'end' },
    ];
    expect(dataKeys(graph, edges, 'end', h.registry)).toEqual(
      expect.arrayContaining([
        'steps.temps.output.count',
        'steps.temps.output.avg',
        'steps.calc.output.result',
      ]),
    );
    const definition = h.registry.get('query')!;
    expect(definition.configVersion).toBe(1);
    const schema = h.registry.jsonSchema('query') as { properties: Record<string, { description?: string }> };
    for (const [field, property] of Object.entries(schema.properties))
      expect(property.description, field).toBeTruthy();
  });
});
