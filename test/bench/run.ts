// Runs every benchmark in sequence: `pnpm bench` (or `cd test && npx tsx bench/run.ts`).
// The telemetry benchmark needs an MQTT broker (MQTT_URL, default mqtt://127.0.0.1:1883).
import { coldStartBenchmark } from './cold-start.js';
import { engineBenchmark } from './engine.js';
import { fanoutBenchmark } from './fanout.js';
import { httpBenchmark } from './http.js';
import { replayBenchmark } from './replay.js';
import { tabletsBenchmark } from './tablets.js';
import { telemetryBenchmark } from './telemetry.js';
import { triggerLatencyBenchmark } from './trigger-latency.js';

const benchmarks: Array<[string, () => Promise<void>]> = [
  ['engine', engineBenchmark],
  ['cold start of the built server', coldStartBenchmark],
  ['over HTTP, beside Node-RED and a bare graphql-yoga', httpBenchmark],
  ['telemetry', telemetryBenchmark],
  ['trigger latency', triggerLatencyBenchmark],
  ['event replay and fan-out', replayBenchmark],
  ['subscription fan-out beside a bare graphql-ws', fanoutBenchmark],
  ['20 tablets', tabletsBenchmark],
];

for (const [name, run] of benchmarks) {
  console.log(`\n=== ${name} ===`);
  await run();
}
