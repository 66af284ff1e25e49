// Runs every benchmark in sequence: `pnpm bench` (or `cd test && npx tsx bench/run.ts`).
import { engineBenchmark } from './engine.js';

const benchmarks: Array<[string, () => Promise<void>]> = [['engine', engineBenchmark]];

for (const [name, run] of benchmarks) {
  console.log(`\n=== ${name} ===`);
  await run();
}
