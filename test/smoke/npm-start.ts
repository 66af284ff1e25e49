/**
 * Starts Kinflow the way the README tells a new user to — `npm start` in the repository root — and
 * uses it the way they would: the printed admin password signs in, the printed API key lists the demo
 * flows over GraphQL and REST and triggers one, the app and its manifest load, and SIGTERM stops the
 * server cleanly. Run by `.ci/run` on a clean clone (`pnpm smoke:start`); exits non-zero on any failure.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../support/server-process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const START_TIMEOUT_MS = 15 * 60_000;
const DEMO_FLOWS = ['Bathroom check-in', 'Kitchen too hot', 'Morning greeting'];

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

let passed = 0;
function step(message: string): void {
  passed += 1;
  console.log(`  ✓ ${message}`);
}

function withoutQuiet(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { KINFLOW_QUIET: _quiet, ...rest } = env;
  return rest;
}

const port = await freePort();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-smoke-'));
const base = `http://127.0.0.1:${port}`;
console.log(`npm start on port ${port}, data in ${dataDir}`);

// Its own process group, so nothing survives the check even if a step fails half-way.
const npm = spawn('npm', ['start'], {
  cwd: ROOT,
  env: { ...withoutQuiet(process.env), PORT: String(port), KINFLOW_DATA_DIR: dataDir },
  stdio: ['ignore', 'pipe', 'pipe'],
  detached: true,
});
let output = '';
npm.stdout.on('data', (chunk) => (output += chunk));
npm.stderr.on('data', (chunk) => (output += chunk));
const npmExit = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));

/** The server itself: the `node … dist/main.js` process somewhere below npm in its process group. */
function serverPid(): number {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      // argv of the node process itself, not of the `sh -c "node dist/main.js"` that runs it.
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const isNode = path.basename(argv[0] ?? '') === 'node' || argv[0] === process.execPath;
      if (pgid === npm.pid && isNode && argv.some((arg) => arg.endsWith('dist/main.js')))
        return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  throw new Error('no server process found under npm start');
}

async function graphql(query: string, token: string, variables: object = {}) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown };
  check(response.ok && body.data && !body.errors, `GraphQL failed: ${JSON.stringify(body)}`);
  return body.data;
}

function printed(label: string, pattern: RegExp): string {
  const match = output.match(pattern);
  check(match, `npm start did not print the ${label}`);
  return match[1]!;
}

try {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    check(npm.exitCode === null, `npm start exited early (${npm.exitCode}):\n${output}`);
    check(Date.now() < deadline, `no /healthz after ${START_TIMEOUT_MS / 60_000} minutes:\n${output}`);
    const ok = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok && output.includes('Kinflow is running')) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  step('npm start installed, built and started the server; /healthz answers');

  const [, email, password] = output.match(/admin:\s+(\S+@\S+) \/ (\S+)/) ?? [];
  check(email && password, `npm start did not print the admin credentials:\n${output}`);
  const apiKey = printed('API key', /API key:\s+(kfk_\S+)/);

  const login = await graphql(
    `
      mutation ($email: String!, $password: String!) {
        login(email: $email, password: $password) {
          __typename
          ... on MutationLoginSuccess {
            data {
              token
            }
          }
        }
      }
    `,
    '',
    { email, password },
  );
  check(login.login.__typename === 'MutationLoginSuccess', `sign-in failed: ${JSON.stringify(login)}`);
  step(`signed in as ${email} with the printed password`);

  const flows = await graphql('{ flows(first: 20) { edges { node { id name } } } }', apiKey);
  const names = flows.flows.edges.map((edge: { node: { name: string } }) => edge.node.name).sort();
  check(JSON.stringify(names) === JSON.stringify(DEMO_FLOWS), `demo flows over GraphQL: ${names}`);
  step('the printed API key lists the demo flows over GraphQL');

  const rest = await fetch(`${base}/v1/flows`, { headers: { authorization: `Bearer ${apiKey}` } });
  const restText = await rest.text();
  check(rest.ok, `GET /v1/flows answered ${rest.status}: ${restText}`);
  for (const name of DEMO_FLOWS) check(restText.includes(name), `GET /v1/flows lacks ${name}`);
  step('GET /v1/flows lists them over REST');

  const kitchen = flows.flows.edges.find(
    (edge: { node: { name: string } }) => edge.node.name === 'Kitchen too hot',
  );
  const triggered = await graphql(
    `
      mutation ($id: ID!) {
        triggerFlow(id: $id, payload: { value: 31 }) {
          __typename
          ... on MutationTriggerFlowSuccess {
            data {
              id
            }
          }
          ... on Error {
            message
          }
        }
      }
    `,
    apiKey,
    { id: kitchen.node.id },
  );
  check(triggered.triggerFlow.__typename === 'MutationTriggerFlowSuccess', JSON.stringify(triggered));
  const runId = triggered.triggerFlow.data.id as string;
  let status = '';
  for (let i = 0; i < 100 && !['COMPLETED', 'FAILED', 'CANCELLED'].includes(status); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const run = await graphql(
      'query ($id: ID!) { execution(id: $id) { status error { message } } }',
      apiKey,
      { id: runId },
    );
    status = run.execution?.status ?? '';
  }
  check(status === 'COMPLETED', `the triggered run ended ${status || 'nowhere'}`);
  step('triggered "Kitchen too hot" and the run completed');

  const page = await fetch(`${base}/`);
  const html = await page.text();
  check(page.ok && html.includes('<div id="app">'), `GET / answered ${page.status}`);
  const manifest = await fetch(`${base}/manifest.webmanifest`);
  check(manifest.ok && ((await manifest.json()) as { name?: string }).name === 'Kinflow', 'manifest');
  step('the app and /manifest.webmanifest load');

  process.kill(serverPid(), 'SIGTERM');
  const code = await Promise.race([
    npmExit,
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 20_000)),
  ]);
  check(code === 0, `after SIGTERM npm start ended with ${code}:\n${output.slice(-2000)}`);
  check(output.includes('SIGTERM: shutting down'), 'the server did not report its shutdown');
  step('SIGTERM stopped the server cleanly (exit code 0)');
  console.log(`npm start smoke test: ${passed} passed, 0 failed`);
} catch (error) {
  console.error(`npm start smoke test failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  try {
    process.kill(-npm.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
}
