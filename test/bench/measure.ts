// What the benchmarks share: percentiles, a process's resident memory, and a keyed GraphQL client.
import fs from 'node:fs';

/** The p-th percentile of ascending values (nearest rank); NaN when there are none. */
export const percentile = (sorted: number[], p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;

/** Resident memory of a process on this machine, in MB. */
export const rssMb = (pid: number): number =>
  Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

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
