import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN } from './harness.js';
import { randomPort, startServerProcess, type ServerProcess } from './server-process.js';

/**
 * The server as deployed (NODE_ENV=production, its own process, logging on): expected and internal
 * failures answer without stack traces, SQL or password hashes, and the logs hold none either.
 */
let server: ServerProcess;
let dataDir: string;
let url: string;
let admin: string;
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-production-'));
  server = await startServerProcess(dataDir, randomPort(), {
    NODE_ENV: 'production',
    KINFLOW_QUIET: 'false',
    KINFLOW_ADMIN_EMAIL: ADMIN.email,
    KINFLOW_ADMIN_PASSWORD: ADMIN.password,
  });
  url = `http://127.0.0.1:${server.port}/graphql`;
  const login = await post(
    `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { ... on MutationLoginSuccess { data { token } } } }`,
    { e: ADMIN.email, p: ADMIN.password },
    null,
  );
  admin = login.body.data.login.data.token;
}, 120_000);
afterAll(async () => {
  await server?.kill();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function post(query: string, variables: Record<string, unknown> = {}, token: string | null = admin) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) };
}

/** What must never reach a client or a log line outside development. */
const LEAKS: Array<[string, RegExp]> = [
  ['a password hash', /scrypt\$/],
  ['SQL', /\b(insert into|select .* from|update .* set|delete from)\b|sqlite_|constraint failed/i],
  ['a stack trace', /\n\s+at |\bat .*\.(ts|js|mjs):\d+/],
  ['a source path', /\/src\/|node_modules/],
];
const leaksIn = (text: string) => LEAKS.filter(([, pattern]) => pattern.test(text)).map(([what]) => what);

/** A database connection beside the server's, to break things the way a failing disk would. */
async function sabotage(sql: string) {
  const { default: Database } = (await import('better-sqlite3' as string)) as {
    default: new (file: string) => { exec(sql: string): void; close(): void };
  };
  const db = new Database(path.join(dataDir, 'kinflow.sqlite'));
  db.exec(sql);
  db.close();
}

const CREATE_USER = `mutation($email: String!) { createUser(email: $email, name: "P", role: VIEWER, password: "prod-password-1") {
  __typename ... on Error { code message } ... on MutationCreateUserSuccess { data { id } } } }`;

describe('in production nothing internal leaks', () => {
  it('expected failures are typed and carry nothing internal', async () => {
    const first = await post(CREATE_USER, { email: 'twice@prod.test' });
    expect(first.body.data.createUser.__typename).toBe('MutationCreateUserSuccess');
    const again = await post(CREATE_USER, { email: 'twice@prod.test' });
    expect(again.body.data.createUser.code).toBeTruthy();
    expect(again.body.data.createUser.message).toMatch(/^email: /);
    const bad = [
      await post(`{ flows { edges { node { id nope } } } }`),
      await post(`{ flows {`),
      await post(`query($id: ID!) { flow(id: $id) { id } }`, { id: 'not-a-global-id' }),
      await post(`{ flows { totalCount } }`, {}, 'kfk_not_a_real_key'),
    ];
    for (const response of [again, ...bad]) expect(leaksIn(response.text), response.text).toEqual([]);
    expect(bad.map((response) => response.body.errors?.length)).toEqual([1, 1, 1, 1]);
  });

  it('an internal failure answers "Unexpected error." and logs only its kind and place', async () => {
    // The insert fails inside SQLite after the password was hashed: the statement and its parameters
    // (the new hash) are in the driver's message.
    await sabotage(
      `create trigger refuse_users before insert on users begin select raise(abort, 'disk on fire'); end;`,
    );
    const failed = await post(CREATE_USER, { email: 'internal@prod.test' });
    await sabotage(`drop trigger refuse_users; alter table flow_alerts rename to flow_alerts_gone;`);
    const read = await post(`{ alerts(first: 5) { edges { node { id } } } }`);
    await sabotage(`alter table flow_alerts_gone rename to flow_alerts;`);
    for (const response of [failed, read]) {
      expect(leaksIn(response.text), response.text).toEqual([]);
      expect(response.text).not.toContain('disk on fire');
      expect(response.text).not.toContain('flow_alerts');
      expect(response.body.errors?.[0]?.message).toBe('Unexpected error.');
      expect(response.body.errors[0].extensions?.stack).toBeUndefined();
    }
    // The failures were logged (so an operator sees them), by kind only.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const logs = server.stdout() + server.stderr();
    expect(logs).toMatch(/createUser/);
    expect(logs).toMatch(/alerts/);
    expect(leaksIn(logs), logs).toEqual([]);
    expect(logs).not.toContain('disk on fire');
    expect(logs).not.toContain('flow_alerts');
  });
});
