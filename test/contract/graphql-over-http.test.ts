import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startKinflow, type StartedKinflow } from '@kinflow/server';
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const API_KEY = 'kfk_contract_tests_key_0123456789abcdef';
let server: StartedKinflow;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-contract-'));
  server = await startKinflow({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    quiet: true,
    demo: false,
    env: { KINFLOW_API_KEY: API_KEY },
  });
});
afterAll(async () => {
  await server.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('GraphQL over HTTP compliance (graphql-http audits)', () => {
  const audits = serverAudits({
    url: () => `http://127.0.0.1:${server.port}/graphql`,
    fetchFn: (input: RequestInfo | URL, init?: RequestInit) =>
      fetch(input, {
        ...init,
        headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${API_KEY}` },
      }),
  });
  for (const audit of audits) {
    it(audit.name, async () => {
      const result = await audit.fn();
      const reason = result.status === 'ok' ? '' : result.reason;
      // MUST audits have to pass; SHOULD/MAY ones may warn but never error.
      if (audit.name.startsWith('MUST')) expect(result.status, reason).toBe('ok');
      else expect(result.status, reason).not.toBe('error');
    });
  }
});
