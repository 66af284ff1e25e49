// What the benchmarks share: percentiles, a process's resident memory, and a keyed GraphQL client.
import fs from 'node:fs';

/** The p-th percentile of ascending values (nearest rank); NaN when there are none. */
export const percentile = (sorted: number[], p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;

/** Resident memory of a process on this machine, in MB. */
export const rssMb = (pid: number): number =>
  Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/**
 * CPU time (user + system) a process has used so far, in ms. Per request it says what a request costs
 * even when other work on the machine takes turns on the cores, which throughput alone cannot.
 */
export function cpuMs(pid: number): number {
  // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th.
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

/** A GraphQL client for the server on `port` with an API key; a response with errors throws. */
export function keyedGraphql(port: number, apiKey: string) {
  const endpoint = `http://127.0.0.1:${port}/graphql`;
  return async (query: string, variables?: Record<string, unknown>): Promise<any> => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ query, variables }),
    });
    const json = (await response.json()) as { data?: any; errors?: unknown };
    if (json.errors) throw new Error(JSON.stringify(json.errors));
    return json.data;
  };
}
