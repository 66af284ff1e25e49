import { afterEach, describe, expect, it } from 'vitest';
import { GatewayNode } from '../db/entities/index.js';
import { openDatabase, type Orm } from '../db/orm.js';
import type { NodeLifecycleEvent } from '../triggers/node-liveness.js';
import { startTelemetry, type TelemetryRuntime } from './runtime.js';

let orm: Orm | undefined;
let telemetry: TelemetryRuntime | undefined;
afterEach(async () => {
  await telemetry?.stop();
  await orm?.close(true);
  telemetry = orm = undefined;
});

async function start(clock: () => Date) {
  orm = await openDatabase(':memory:');
  telemetry = await startTelemetry({
    orm,
    clock,
    config: {
      telemetryAutoRegister: false,
      mqttTopicPrefix: 'kinflow',
      schedulerTickMs: 3_600_000,
      quiet: true,
    },
    offlineAfterSeconds: 60,
  });
  const events: string[] = [];
  telemetry.onLifecycle((e: NodeLifecycleEvent) => events.push(`${e.type}:${e.node.name}`));
  return { orm, telemetry, events };
}

const statusOf = async (orm: Orm, name: string) =>
  (
    (await orm.em.getConnection().execute('select status from nodes where name = ?', [name])) as Array<{
      status: string;
    }>
  )[0]?.status;

describe('startTelemetry', () => {
  it('follows nodes created, renamed and deleted through the ORM', async () => {
    const { orm, telemetry, events } = await start(() => new Date());
    const em = orm.em.fork();
    const node = em.create(GatewayNode, { name: 'porch', kind: 'sensor', tags: ['outside'], metadata: {} });
    await em.flush();
    expect(telemetry.nodes.find('porch')).toEqual({
      id: node.id,
      name: 'porch',
      kind: 'sensor',
      tags: ['outside'],
    });
    expect(events).toEqual(['registered:porch']);

    node.name = 'front-porch';
    await em.flush();
    expect(telemetry.nodes.find('porch')).toBeUndefined();
    expect(telemetry.nodes.find('front-porch')?.id).toBe(node.id);

    expect((await telemetry.intake.ingest([{ node: 'front-porch', metric: 't', value: 1 }])).accepted).toBe(
      1,
    );
    const removed: string[] = [];
    telemetry.onNodeRemoved((id) => removed.push(id));
    await em.remove(node).flush();
    expect(removed).toEqual([node.id]);
    expect(telemetry.nodes.find(node.id)).toBeUndefined();
    expect(telemetry.store.latestForNode(node.id)).toEqual([]);
    await telemetry.store.flush(); // the pending rows of the deleted node are dropped, not retried forever
  });

  it('announces its node changes, and re-reads a node another instance changed', async () => {
    const { orm, telemetry, events } = await start(() => new Date());
    const changed: string[] = [];
    telemetry.onNodeChanged((id) => changed.push(id));
    const em = orm.em.fork();
    const node = em.create(GatewayNode, { name: 'attic', kind: 'sensor', tags: [], metadata: {} });
    await em.flush();
    expect(changed).toEqual([node.id]);

    // Another instance on the same database writes rows this instance's ORM never saw.
    const sql = orm.em.getConnection();
    const now = Date.now();
    await sql.execute(
      `insert into nodes (id, name, kind, tags, status, last_seen_at, metadata, ssh_trust_on_first_use, created_at, updated_at)
       values ('remote-1', 'cellar', 'sensor', '["down"]', 'online', ?, '{}', 0, ?, ?)`,
      [now, now, now],
    );
    await sql.execute(`update nodes set name = 'loft' where id = ?`, [node.id]);
    expect(telemetry.nodes.find('cellar')).toBeUndefined();
    await telemetry.refreshNode('remote-1');
    await telemetry.refreshNode(node.id);
    expect(telemetry.nodes.find('cellar')).toEqual({
      id: 'remote-1',
      name: 'cellar',
      kind: 'sensor',
      tags: ['down'],
    });
    expect(telemetry.nodes.find('loft')?.id).toBe(node.id);
    expect(telemetry.nodes.find('attic')).toBeUndefined();
    expect(events).toEqual(['registered:attic']); // the other instance announced its own node

    const removed: string[] = [];
    telemetry.onNodeRemoved((id) => removed.push(id));
    await sql.execute(`delete from nodes where id = 'remote-1'`);
    await telemetry.refreshNode('remote-1');
    expect(telemetry.nodes.find('remote-1')).toBeUndefined();
    expect(removed).toEqual(['remote-1']);
    expect(changed).toEqual([node.id]); // re-reading is not a change of ours to pass on
  });

  it('readings and events are heartbeats: online in the database, offline after silence, online again', async () => {
    let now = new Date('2026-05-01T12:00:00Z');
    const { orm, telemetry, events } = await start(() => now);
    const em = orm.em.fork();
    em.create(GatewayNode, { name: 'hall', kind: 'sensor', tags: [], metadata: {} });
    await em.flush();
    const received: string[] = [];
    telemetry.intake.onNodeEvent((e) => received.push(`${e.node.name}:${e.name}`));

    await telemetry.intake.ingest([{ node: 'hall', metric: 'motion', value: true }]);
    await telemetry.store.flush();
    expect(await statusOf(orm, 'hall')).toBe('online');

    now = new Date(now.getTime() + 61_000);
    const offline = await telemetry.tick();
    expect(offline.map((e) => e.type)).toEqual(['offline']);
    expect(await statusOf(orm, 'hall')).toBe('offline');

    now = new Date(now.getTime() + 1000);
    expect(await telemetry.intake.nodeEvent({ node: 'hall', name: 'button', payload: 1 })).toMatchObject({
      ok: true,
    });
    await telemetry.store.flush();
    expect(await statusOf(orm, 'hall')).toBe('online');
    expect(events).toEqual(['registered:hall', 'offline:hall', 'online:hall', 'custom:hall']);
    expect(received).toEqual(['hall:button']);
  });
});
