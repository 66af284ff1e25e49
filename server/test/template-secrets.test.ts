import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlowOrFail, GET_FLOW } from './fixtures.js';
import { startTestServer, type TestServer } from './harness.js';

// Secrets beyond a step's own config (issue 12.4): a webhook_out URL in an action template, in a bundle,
// in a testStep of a saved step, and in rows an older version stored in plain text.
const TEMPLATE_TOKEN = 'TPLSECRET-3b9e1d';
const BUNDLE_TOKEN = 'BUNDLESECRET-8c21fa';
const OLD_TOKEN = 'OLDSECRET-52d7c0';
const OLD_AUTH = 'Bearer OLDAUTH-6e0b44';
const NESTED_TOKEN = 'NESTEDSECRET-a41f93';
const SECRETS = [TEMPLATE_TOKEN, BUNDLE_TOKEN, OLD_TOKEN, 'OLDAUTH', NESTED_TOKEN];

let server: TestServer;
let receiver: http.Server;
const received: Array<{ path: string; authorization?: string }> = [];
const ENV = { KINFLOW_OUTBOUND_ALLOW: '127.0.0.1' };

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push({ path: req.url ?? '', authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  server = await startTestServer({ env: ENV });
});
afterAll(async () => {
  await server?.stop();
  await new Promise((resolve) => receiver.close(resolve));
});

const hook = (token: string) => `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook/${token}`;
const expectNoSecret = (where: string, value: unknown) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  for (const secret of SECRETS) expect(text.includes(secret), `${secret} in ${where}`).toBe(false);
};
/** The raw database files, write-ahead log included. */
const expectDatabaseClean = (dataDir: string) => {
  for (const file of fs.readdirSync(dataDir)) {
    const full = path.join(dataDir, file);
    if (fs.statSync(full).isFile()) expectNoSecret(file, fs.readFileSync(full).toString('latin1'));
  }
};

const TEMPLATE_FIELDS = `__typename ... on Error { code message } ... on FlowValidationError { issues { field message } }`;
const CREATE_TEMPLATE = `mutation($name: String!, $config: JSONObject!) {
  createActionTemplate(name: $name, type: "webhook_out", config: $config) {
    ${TEMPLATE_FIELDS} ... on MutationCreateActionTemplateSuccess { data { id config } } } }`;
const UPDATE_TEMPLATE = `mutation($id: ID!, $config: JSONObject!) {
  updateActionTemplate(id: $id, config: $config) {
    ${TEMPLATE_FIELDS} ... on MutationUpdateActionTemplateSuccess { data { id config } } } }`;
const RUN = `query($id: ID!) { execution(id: $id) { status error { message } snapshot timeline { stepKey output error } } }`;
const EXPORT = `query($id: ID!) { exportFlow(id: $id) { ... on QueryExportFlowSuccess { data { document bundle } } } }`;
const IMPORT = `mutation($bundle: JSONObject) { importFlow(bundle: $bundle) {
  __typename ... on MutationImportFlowSuccess { data { flow { id } } }
  ... on ImportRejectedError { report { problems { code field message } } } ... on Error { message } } }`;
const TEST_STEP = `mutation($type: String!, $config: JSONObject!, $flowId: ID, $stepKey: String) {
  testStep(type: $type, config: $config, flowId: $flowId, stepKey: $stepKey) { success output error } }`;

async function runToEnd(target: TestServer, flowId: string) {
  const triggered = await target.gql(
    `mutation($id: ID!) { triggerFlow(id: $id) { ... on MutationTriggerFlowSuccess { data { id } } } }`,
    { id: flowId },
  );
  const id = triggered.data.triggerFlow.data.id as string;
  for (let i = 0; i < 400; i++) {
    const execution = (await target.gql(RUN, { id })).data.execution;
    if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(execution.status)) return execution;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`run ${id} did not finish`);
}

describe('secret values in action templates', () => {
  it('are sealed at rest, masked in responses, kept by {"$secret":"set"}, and used by the run', async () => {
    const created = await server.gql(CREATE_TEMPLATE, {
      name: 'Family hook',
      config: { format: 'json', url: hook(TEMPLATE_TOKEN), message: 'from the template' },
    });
    const template = created.data.createActionTemplate.data;
    expect(template, JSON.stringify(created)).toBeTruthy();
    expect(template.config.url).toEqual({ $secret: 'set' });
    expectNoSecret('createActionTemplate', created);

    // Sending the masked config back (with a change) keeps the stored URL.
    const updated = await server.gql(UPDATE_TEMPLATE, {
      id: template.id,
      config: { ...template.config, message: 'changed' },
    });
    expect(updated.data.updateActionTemplate.data?.config, JSON.stringify(updated)).toMatchObject({
      url: { $secret: 'set' },
      message: 'changed',
    });
    const flowId = await createFlowOrFail(
      server,
      'Template secrets',
      [
        { key: 'start', type: 'manual' },
        { key: 'tell', type: 'webhook_out', actionTemplateId: template.id, config: { message: 'hi' } },
      ],
      [{ source: 'start', target: 'tell' }],
    );
    const read = await server.gql(
      `query($id: ID!) { flow(id: $id) { steps { key config resolvedConfig actionTemplate { config } } }
        actionTemplates { name config } }`,
      { id: flowId },
    );
    expectNoSecret('flow and templates', read);
    const execution = await runToEnd(server, flowId);
    expect(execution.status, JSON.stringify(execution.error)).toBe('COMPLETED');
    expect(received.map((r) => r.path)).toContain(`/hook/${TEMPLATE_TOKEN}`);
    expectNoSecret('run', execution);
    expectNoSecret('export', await server.gql(EXPORT, { id: flowId }));
    expectDatabaseClean(server.dataDir);
  });
});

describe('secret values of the action a for_each_node runs', () => {
  it('are sealed, masked and opened for each node', async () => {
    const node = await server.gql(
      `mutation { createNode(input: { name: "nested-gateway", kind: "gateway", tags: ["nested"] }) { __typename } }`,
    );
    expect(node.data.createNode.__typename, JSON.stringify(node)).toBe('MutationCreateNodeSuccess');
    const flowId = await createFlowOrFail(
      server,
      'Nested secrets',
      [
        { key: 'start', type: 'manual' },
        {
          key: 'each',
          type: 'for_each_node',
          config: {
            selector: { tags: ['nested'] },
            action: { type: 'webhook_out', config: { url: hook(NESTED_TOKEN), message: 'node {node_name}' } },
          },
        },
      ],
      [{ source: 'start', target: 'each' }],
    );
    const flow = await server.gql(GET_FLOW, { id: flowId });
    const each = flow.data.flow.steps.find((s: any) => s.key === 'each');
    expect(each.config.action.config.url).toEqual({ $secret: 'set' });
    const execution = await runToEnd(server, flowId);
    expect(execution.status, JSON.stringify(execution.error)).toBe('COMPLETED');
    expect(received.map((r) => r.path)).toContain(`/hook/${NESTED_TOKEN}`);
    expectNoSecret('run', execution);
    expectNoSecret('export', await server.gql(EXPORT, { id: flowId }));
    expectDatabaseClean(server.dataDir);
  });
});

describe('bundles with secrets', () => {
  it('an imported plain secret is sealed, in a step and in a template; the export masks it', async () => {
    const template = await server.gql(CREATE_TEMPLATE, {
      name: 'Bundle hook',
      config: { url: hook('placeholder'), message: 'from the template' },
    });
    const sourceId = await createFlowOrFail(
      server,
      'Bundle source',
      [
        { key: 'start', type: 'manual' },
        { key: 'tell', type: 'webhook_out', config: { url: hook('placeholder'), message: 'hi' } },
        {
          key: 'also',
          type: 'webhook_out',
          actionTemplateId: template.data.createActionTemplate.data.id,
          config: {},
        },
      ],
      [
        { source: 'start', target: 'tell' },
        { source: 'tell', target: 'also' },
      ],
    );
    const { bundle } = (await server.gql(EXPORT, { id: sourceId })).data.exportFlow.data;
    const step = (b: any, key: string) => b.steps.find((s: any) => s.key === key);
    expect(step(bundle, 'tell').config.url).toBeUndefined();
    expect(bundle.actionTemplates[0].config.url).toBeUndefined();
    expect(bundle.secrets).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ step: 'tell', field: 'config.url' }),
        expect.objectContaining({ template: 'Bundle hook', field: 'config.url' }),
      ]),
    );
    // A bundle written by hand (or by another tool) carries the URLs in plain text.
    const handWritten = structuredClone(bundle);
    handWritten.flow.name = 'Bundle with plain URLs';
    step(handWritten, 'tell').config.url = hook(BUNDLE_TOKEN);
    handWritten.actionTemplates[0].name = 'Hand-written hook';
    handWritten.actionTemplates[0].config.url = hook(`${BUNDLE_TOKEN}-template`);
    step(handWritten, 'also').actionTemplate = 'Hand-written hook';
    handWritten.secrets = [];
    const imported = await server.gql(IMPORT, { bundle: handWritten });
    expect(imported.data.importFlow.__typename, JSON.stringify(imported)).toBe('MutationImportFlowSuccess');
    const id = imported.data.importFlow.data.flow.id;
    const flow = await server.gql(GET_FLOW, { id });
    expect(flow.data.flow.steps.find((s: any) => s.key === 'tell').config.url).toEqual({ $secret: 'set' });
    const templates = (await server.gql(`{ actionTemplates { name config } }`)).data.actionTemplates;
    expect(templates.find((t: any) => t.name === 'Hand-written hook').config.url).toEqual({ $secret: 'set' });
    const again = (await server.gql(EXPORT, { id })).data.exportFlow.data;
    expectNoSecret('export of the import', again);
    expect(again.bundle.secrets).toEqual(
      bundle.secrets.map((s: any) => ({ ...s, template: s.template && 'Hand-written hook' })),
    );
    expect((await runToEnd(server, id)).status).toBe('COMPLETED');
    expect(received.map((r) => r.path)).toEqual(
      expect.arrayContaining([`/hook/${BUNDLE_TOKEN}`, `/hook/${BUNDLE_TOKEN}-template`]),
    );
    expectDatabaseClean(server.dataDir);
  });
});

describe('testStep of a saved step', () => {
  it('takes {"$secret":"set"} as the stored value and never shows it', async () => {
    const flowId = await createFlowOrFail(
      server,
      'Test a saved secret',
      [
        { key: 'start', type: 'manual' },
        {
          key: 'call',
          type: 'http',
          config: { method: 'POST', url: hook('call'), headers: { Authorization: OLD_AUTH } },
        },
      ],
      [{ source: 'start', target: 'call' }],
    );
    const config = (await server.gql(GET_FLOW, { id: flowId })).data.flow.steps.find(
      (s: any) => s.key === 'call',
    ).config;
    expect(config.headers.Authorization).toEqual({ $secret: 'set' });
    const tested = await server.gql(TEST_STEP, { type: 'http', config, flowId, stepKey: 'call' });
    expect(tested.data.testStep.success, JSON.stringify(tested)).toBe(true);
    expect(tested.data.testStep.output.wouldSend.headers.Authorization).toBe('{$secret}');
    expectNoSecret('testStep', tested);
    // Without the saved step the placeholder stands for nothing: no Authorization header at all.
    const alone = await server.gql(TEST_STEP, { type: 'http', config });
    expect(alone.data.testStep.output?.wouldSend?.headers?.Authorization).toBeUndefined();
    // A step not saved yet has no stored secrets either.
    const draft = await server.gql(TEST_STEP, { type: 'http', config, flowId, stepKey: 'draft' });
    expect(draft.data.testStep.output?.wouldSend?.headers?.Authorization).toBeUndefined();
  });
});

describe('rows an older version stored in plain text', () => {
  it('are sealed when the server starts', async () => {
    const old = await startTestServer({ env: ENV });
    const flowId = await createFlowOrFail(
      old,
      'Stored in plain text',
      [
        { key: 'start', type: 'manual' },
        {
          key: 'call',
          type: 'http',
          config: { method: 'POST', url: hook('old-call'), headers: { Authorization: 'placeholder' } },
        },
        { key: 'tell', type: 'webhook_out', config: { url: hook('placeholder'), message: 'hi' } },
      ],
      [
        { source: 'start', target: 'call' },
        { source: 'call', target: 'tell' },
      ],
    );
    const template = await old.gql(CREATE_TEMPLATE, {
      name: 'Old hook',
      config: { url: hook('placeholder'), message: 'hi' },
    });
    await old.close();
    // What an older version left behind: the same rows with the secrets in plain text.
    const { default: Database } = (await import('better-sqlite3' as string)) as {
      default: new (file: string) => {
        prepare(sql: string): { run(...a: unknown[]): void };
        close(): void;
      };
    };
    const db = new Database(path.join(old.dataDir, 'kinflow.sqlite'));
    db.prepare(`update flow_steps set config = ? where key = 'call'`).run(
      JSON.stringify({ method: 'POST', url: hook('old-call'), headers: { Authorization: OLD_AUTH } }),
    );
    db.prepare(`update flow_steps set config = ? where key = 'tell'`).run(
      JSON.stringify({ url: hook(OLD_TOKEN), message: 'hi' }),
    );
    db.prepare(`update flow_action_templates set config = ? where name = 'Old hook'`).run(
      JSON.stringify({ url: hook(OLD_TOKEN), message: 'hi' }),
    );
    db.prepare('pragma wal_checkpoint(truncate)').run();
    db.close();
    expect(template.data.createActionTemplate.__typename).toBe('MutationCreateActionTemplateSuccess');

    const restarted = await startTestServer({ env: ENV, dataDir: old.dataDir });
    try {
      // Sealed before anything read them: the files hold ciphertext, the API shows "set", runs work.
      const steps = (await restarted.gql(GET_FLOW, { id: flowId })).data.flow.steps;
      expect(steps.find((s: any) => s.key === 'tell').config.url).toEqual({ $secret: 'set' });
      expect(steps.find((s: any) => s.key === 'call').config.headers.Authorization).toEqual({
        $secret: 'set',
      });
      const templates = (await restarted.gql(`{ actionTemplates { name config } }`)).data.actionTemplates;
      expect(templates.find((t: any) => t.name === 'Old hook').config.url).toEqual({ $secret: 'set' });
      const execution = await runToEnd(restarted, flowId);
      expect(execution.status, JSON.stringify(execution.error)).toBe('COMPLETED');
      expect(received.find((r) => r.path === '/hook/old-call')?.authorization).toBe(OLD_AUTH);
      expect(received.map((r) => r.path)).toContain(`/hook/${OLD_TOKEN}`);
      const check = new Database(path.join(old.dataDir, 'kinflow.sqlite'));
      check.prepare('pragma wal_checkpoint(truncate)').run();
      check.close();
      expectDatabaseClean(old.dataDir);
    } finally {
      await restarted.stop();
    }
  });
});
