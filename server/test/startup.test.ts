import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKinflow } from '../src/app.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-start-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('first start and later starts', () => {
  let first: Awaited<ReturnType<typeof startKinflow>>;
  beforeAll(async () => {
    first = await startKinflow({ dataDir, port: 0, host: '127.0.0.1', quiet: true, env: {} });
  });

  it('generates an admin password and an API key on first start and loads the demo once', async () => {
    expect(first.credentials.adminPassword).toMatch(/^[\w-]{12,}$/);
    expect(first.credentials.apiKey).toMatch(/^kfk_/);
    const list = async (url: string, key: string) =>
      (
        (await (
          await fetch(`${url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
            body: JSON.stringify({ query: '{ flows { totalCount } }' }),
          })
        ).json()) as { data: { flows: { totalCount: number } } }
      ).data.flows.totalCount;
    expect(await list(first.url, first.credentials.apiKey!)).toBe(3);
    const key = first.credentials.apiKey!;
    await first.close();

    const second = await startKinflow({ dataDir, port: 0, host: '127.0.0.1', quiet: true, env: {} });
    try {
      expect(second.credentials.adminPassword).toBeUndefined();
      expect(second.credentials.apiKey).toBeUndefined();
      expect(await list(second.url, key)).toBe(3);
    } finally {
      await second.close();
    }
  });
});
