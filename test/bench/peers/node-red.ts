import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../support/server-process.js';

/** Node-RED lives in the bench's own folder (git-ignored), never in the project's dependencies. */
const PEERS_DIR = path.resolve(import.meta.dirname, '../.peers');
const NODE_RED_VERSION = process.env.NODE_RED_VERSION ?? '4';

function ensureInstalled(): string {
  const red = path.join(PEERS_DIR, 'node_modules/node-red/red.js');
  if (fs.existsSync(red)) return red;
  fs.mkdirSync(PEERS_DIR, { recursive: true });
  console.log(`installing node-red@${NODE_RED_VERSION} into ${PEERS_DIR} (once)…`);
  const { status } = spawnSync(
    'npm',
    [
      'install',
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--prefix',
      PEERS_DIR,
      `node-red@${NODE_RED_VERSION}`,
    ],
    { stdio: 'inherit' },
  );
  if (status !== 0 || !fs.existsSync(red))
    throw new Error('could not install node-red from the npm registry');
  return red;
}

/**
 * The equivalent of Kinflow's `sensor_value` → `alert` flows for the trigger-latency benchmark:
 * `http in` (POST /readings, a batch) → `function` that keeps, for each pair the benchmark's flows
 * watch, its side of the threshold and emits one message per upward crossing → `websocket out` on
 * /ws/alerts. Like Kinflow it answers the batch; unlike Kinflow it stores neither readings nor alerts.
 */
const READINGS_TO_ALERTS = [
  { id: 'alerts-ws', type: 'websocket-listener', path: '/ws/alerts', wholemsg: 'false' },
  { id: 'readings', type: 'http in', z: 'bench', url: '/readings', method: 'post', wires: [['cross']] },
  {
    id: 'cross',
    type: 'function',
    z: 'bench',
    func: `const above = context.get('above') || {};
const alerts = [];
for (const r of msg.payload.readings) {
  // The benchmark's 100 flows: node-N watches metric m(N % 10).
  if (Number(r.metric.slice(1)) !== Number(r.node.slice(5)) % 10) continue;
  const key = r.node + '|' + r.metric;
  const now = r.value > 50;
  if (now && !above[key]) alerts.push({ payload: key + '|' + r.value });
  above[key] = now;
}
context.set('above', above);
return [alerts, { ...msg, statusCode: 200, payload: { accepted: msg.payload.readings.length } }];`,
    outputs: 2,
    wires: [['alerts-out'], ['readings-done']],
  },
  { id: 'alerts-out', type: 'websocket out', z: 'bench', server: 'alerts-ws', client: '', wires: [] },
  { id: 'readings-done', type: 'http response', z: 'bench', statusCode: '', wires: [] },
];

/**
 * The equivalent of Kinflow's webhook → log flow: `http in` (POST /hook) → `function` → `http
 * response` 202. Node-RED keeps no record of a run; that is the difference the ratio carries.
 */
const FLOW = [
  { id: 'bench', type: 'tab', label: 'bench' },
  { id: 'in', type: 'http in', z: 'bench', url: '/hook', method: 'post', wires: [['fn']] },
  {
    id: 'fn',
    type: 'function',
    z: 'bench',
    func: 'msg.statusCode = 202; msg.payload = { accepted: true, at: Date.now() }; return msg;',
    outputs: 1,
    wires: [['out']],
  },
  { id: 'out', type: 'http response', z: 'bench', statusCode: '', wires: [] },
  ...READINGS_TO_ALERTS,
];

export interface NodeRed {
  url: string;
  version: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startNodeRed(): Promise<NodeRed> {
  const red = ensureInstalled();
  const version = JSON.parse(fs.readFileSync(path.join(path.dirname(red), 'package.json'), 'utf8'))
    .version as string;
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-bench-node-red-'));
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(FLOW));
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `module.exports = { flowFile: 'flows.json', credentialSecret: false, httpAdminRoot: '/admin',
      logging: { console: { level: 'warn' } }, editorTheme: { tours: false } };`,
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [red, '--port', String(port), '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`node-red exited: ${output}`);
    const ok = await fetch(`${url}/hook`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    })
      .then((response) => response.status === 202)
      .catch(() => false);
    if (ok) break;
    if (i > 300) throw new Error(`node-red did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    version,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}
