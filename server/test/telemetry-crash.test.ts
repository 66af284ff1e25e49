import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import type { SqliteDatabase } from '../src/engine/sqlite.js';
import { API_KEY } from './harness.js';
import { eventually, randomPort, startServerProcess, type ServerProcess } from './server-process.js';

const MQTT_URL = process.env.MQTT_TEST_URL ?? 'mqtt://127.0.0.1:1883';
const run = randomBytes(4).toString('hex');
const prefix = `crash${run}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-telemetry-crash-'));
const env = {
  MQTT_URL,
  KINFLOW_MQTT_PREFIX: prefix,
  KINFLOW_MQTT_CLIENT_ID: `kinflow-crash-test-${run}`,
  KINFLOW_TELEMETRY_AUTO_REGISTER: 'true',
};
const REST_NODES = 200; // REST readings spread over 200 pairs, so no pair outgrows its 500-sample ring
const MQTT_NODES = 10;
const BATCH = 200;
const LANES = 24;
const REST_CAP = 80_000; // at most 400 per pair
const MQTT_MESSAGES = 900; // below Mosquitto's default queue of 1000 per offline session
const KILL_AFTER = 6_000; // acknowledged REST readings before the SIGKILL

// better-sqlite3 ships no types; the engine's own interface describes the part used here.
const Database = createRequire(import.meta.url)('better-sqlite3') as new (
  file: string,
  options: { readonly: boolean; fileMustExist: boolean },
) => SqliteDatabase & { close(): void };

let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.kill();
  // A clean connection with the server's client id ends its persistent session on the shared broker.
  const cleaner = await mqtt.connectAsync(MQTT_URL, {
    clientId: env.KINFLOW_MQTT_CLIENT_ID,
    clean: true,
    reconnectPeriod: 0,
  });
  await cleaner.endAsync();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const restNode = (i: number) => `${prefix}-r${i % REST_NODES}`;
const mqttNode = (i: number) => `${prefix}-m${i % MQTT_NODES}`;

async function postReadings(port: number, readings: unknown[]): Promise<{ accepted: number }> {
  const response = await fetch(`http://127.0.0.1:${port}/v1/telemetry`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify({ readings }),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { data: { accepted: number } }).data;
}

/** The `seq` values stored for nodes of this run whose names start with `nodePrefix`. */
function storedSequence(nodePrefix: string): Set<number> {
  const db = new Database(path.join(dataDir, 'kinflow.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `select s.value from telemetry_samples s join nodes n on n.id = s.node_id
         where s.metric = 'seq' and n.name like ? escape '\\'`,
      )
      .all(`${nodePrefix}%`) as Array<{ value: number }>;
    return new Set(rows.map((row) => row.value));
  } finally {
    db.close();
  }
}

describe('acknowledged telemetry survives SIGKILL', () => {
  it('every reading answered "accepted" over REST and every QoS 1 reading the broker took is stored after a crash mid-burst', async () => {
    const port = randomPort();
    server = await startServerProcess(dataDir, port, env);
    // Nodes exist before the burst, and the MQTT subscription is up once a warm-up message lands.
    const warmUp = [
      ...Array.from({ length: REST_NODES }, (_, i) => ({ node: restNode(i), metric: 'warm', value: 1 })),
      ...Array.from({ length: MQTT_NODES }, (_, i) => ({ node: mqttNode(i), metric: 'warm', value: 1 })),
    ];
    expect((await postReadings(port, warmUp)).accepted).toBe(warmUp.length);
    const publisher = await mqtt.connectAsync(MQTT_URL, {
      clientId: `kinflow-crash-publisher-${run}`,
      reconnectPeriod: 0,
    });
    try {
      await eventually(async () => {
        await publisher.publishAsync(`${prefix}/${mqttNode(0)}/ready`, '1', { qos: 1 });
        const data = await server!.gql(
          `query($node: String!) { latestTelemetry(node: $node, metric: "ready") { value } }`,
          { node: mqttNode(0) },
        );
        return data.latestTelemetry.length > 0 ? true : undefined;
      }, 200);

      // The burst: REST lanes keep posting until the server dies; MQTT messages go out meanwhile.
      const restAcknowledged: number[] = [];
      let next = 0;
      let killed = false;
      const lane = async () => {
        while (!killed && next < REST_CAP) {
          const start = next;
          next += BATCH;
          const readings = Array.from({ length: BATCH }, (_, k) => ({
            node: restNode(start + k),
            metric: 'seq',
            value: start + k,
          }));
          try {
            const { accepted } = await postReadings(port, readings);
            if (accepted === BATCH) for (let k = 0; k < BATCH; k++) restAcknowledged.push(start + k);
          } catch {
            return; // the server is gone: this batch was never acknowledged
          }
        }
      };
      const mqttAcknowledged: number[] = [];
      const publishing = Array.from({ length: MQTT_MESSAGES }, async (_, i) => {
        await publisher.publishAsync(`${prefix}/${mqttNode(i)}/seq`, String(i), { qos: 1 });
        mqttAcknowledged.push(i);
      });
      const lanes = Array.from({ length: LANES }, lane);
      await eventually(async () => (restAcknowledged.length >= KILL_AFTER ? true : undefined), 2000);
      killed = true;
      await server.kill();
      await Promise.all(lanes);
      await Promise.all(publishing);
      const sentRest = next;
      expect(restAcknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER);
      expect(mqttAcknowledged.length).toBe(MQTT_MESSAGES);

      const mqttBeforeRestart = storedSequence(`${prefix}-m`).size;
      // Restart on the same data folder and the same MQTT session.
      server = await startServerProcess(dataDir, port, env);
      const storedRest = storedSequence(`${prefix}-r`);
      const lostRest = restAcknowledged.filter((value) => !storedRest.has(value));
      // The broker redelivers what the killed server had not acknowledged; wait for all of it.
      let storedMqtt = new Set<number>();
      await eventually(async () => {
        storedMqtt = storedSequence(`${prefix}-m`);
        return storedMqtt.size >= MQTT_MESSAGES ? true : undefined;
      }, 300).catch(() => undefined);
      const lostMqtt = mqttAcknowledged.filter((value) => !storedMqtt.has(value));
      console.log(
        `telemetry crash: REST ${restAcknowledged.length} acknowledged of ${sentRest} sent, ${storedRest.size} stored, ` +
          `${lostRest.length} lost; MQTT ${mqttAcknowledged.length} taken by the broker, ${mqttBeforeRestart} stored at the kill, ${storedMqtt.size} after the restart, ${lostMqtt.length} lost`,
      );
      expect(lostRest).toEqual([]);
      expect(lostMqtt).toEqual([]);
    } finally {
      await publisher.endAsync();
    }
  }, 180_000);
});
