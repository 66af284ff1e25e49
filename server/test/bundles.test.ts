import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestServer, type TestServer } from './harness.js';
import { createSeedFlows, createSeedHousehold } from './seed-flows.js';

const EXPORT = `query($id: ID!, $format: BundleFormat) { exportFlow(id: $id, format: $format) {
  __typename ... on QueryExportFlowSuccess { data { format filename document bundle } } ... on Error { code message } } }`;

const REPORT = `valid flowName formatVersion kinflowVersion nameClash { name resolution }
  steps { key type status fromVersion toVersion problems { code field message } }
  templates { name action importedAs status problems { code message } }
  references { kind name resolved resolvedTo hint usedBy { step template field } }
  secrets { step template field fill provided }
  problems { code stepKey template field message }`;

const PREVIEW = `query($document: String, $options: ImportFlowOptions) {
  previewImport(document: $document, options: $options) {
    __typename ... on QueryPreviewImportSuccess { data { ${REPORT} } } ... on Error { code message } } }`;

const IMPORT = `mutation($document: String, $bundle: JSONObject, $options: ImportFlowOptions) {
  importFlow(document: $document, bundle: $bundle, options: $options) {
    __typename
    ... on MutationImportFlowSuccess { data { flow { id name version } report { ${REPORT} } } }
    ... on ImportRejectedError { code message report { ${REPORT} } }
    ... on Error { code message } } }`;

const FLOWS = `{ flows(first: 100) { edges { node { id name } } } }`;
const TEMPLATES = `{ actionTemplates { name config } }`;

/** The secret the seed's HALO flow sends; a bundle must never contain it. */
const SECRET = 'very-secret-token';

async function exportDocument(server: TestServer, id: string, format = 'YAML') {
  const result = await server.gql(EXPORT, { id, format });
  expect(result.data.exportFlow.__typename, JSON.stringify(result)).toBe('QueryExportFlowSuccess');
  return result.data.exportFlow.data as { document: string; filename: string; bundle: any };
}

async function flowIds(server: TestServer): Promise<Map<string, string>> {
  const result = await server.gql(FLOWS);
  return new Map(result.data.flows.edges.map(({ node }: any) => [node.name, node.id]));
}

/** The fill-ins a bundle asks for: the seed's one credential header. */
const secretsFor = (bundle: any) =>
  bundle.secrets
    .filter((secret: any) => secret.fill === 'on_import')
    .map((secret: any) => ({
      step: secret.step,
      template: secret.template,
      field: secret.field,
      value: SECRET,
    }));

let source: TestServer;
let target: TestServer;
beforeAll(async () => {
  [source, target] = await Promise.all([startTestServer({ demo: true }), startTestServer()]);
  await createSeedHousehold(source);
  await createSeedFlows(source);
  // The household exists on the new server too (bundles refer to it by name, never carry it).
  await createSeedHousehold(target);
});
afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
});

describe('bundles: export', () => {
  it('names outside things instead of ids, and leaves secrets out', async () => {
    const ids = await flowIds(source);
    const { document, bundle, filename } = await exportDocument(source, ids.get('HALO gateway check')!);
    expect(filename).toBe('halo-gateway-check.kinflow.yaml');
    expect(parse(document)).toEqual(bundle);
    expect(bundle).toMatchObject({ kind: 'kinflow/flow-bundle', formatVersion: 1, kinflowVersion: '0.1.0' });
    expect(document).not.toContain(SECRET);
    const rawIds = [...ids.values()].map((id) => Buffer.from(id, 'base64').toString().split(':')[1]!);
    for (const id of rawIds) expect(document).not.toContain(id);

    const step = (key: string) => bundle.steps.find((s: any) => s.key === key);
    expect(step('each_gateway').config.selector.ids).toEqual(['living-room-gateway', 'garage-pi']);
    expect(step('nested').config).toMatchObject({ flowName: '003 branching' });
    expect(step('nested').config.flowId).toBeUndefined();
    expect(step('status_api').config.headers).toEqual({ Accept: 'application/json' });
    expect(step('status_api').timeoutMs).toBe(5000);
    expect(step('tell_family')).toMatchObject({
      actionTemplate: 'Family Slack',
      config: { message: 'Checked {node_name}' },
    });
    expect(bundle.actionTemplates).toEqual([
      expect.objectContaining({ name: 'Family Slack', type: 'webhook_out', configVersion: 1 }),
    ]);
    expect(bundle.references).toEqual([
      { kind: 'flow', name: '003 branching', usedBy: [{ step: 'nested', field: 'config.flowName' }] },
      { kind: 'node', name: 'garage-pi', usedBy: [{ step: 'each_gateway', field: 'config.selector.ids.1' }] },
      {
        kind: 'node',
        name: 'living-room-gateway',
        usedBy: [{ step: 'each_gateway', field: 'config.selector.ids.0' }],
      },
    ]);
    expect(bundle.secrets).toEqual([
      // The template's webhook URL is its credential.
      expect.objectContaining({ template: 'Family Slack', field: 'config.url', fill: 'on_import' }),
      expect.objectContaining({ step: 'inbound', field: 'webhookUrl', fill: 'after_import' }),
      expect.objectContaining({
        step: 'status_api',
        field: 'config.headers.Authorization',
        fill: 'on_import',
      }),
    ]);
  });

  it('writes JSON too, and answers over REST', async () => {
    const id = (await flowIds(source)).get('004 stove caution')!;
    const json = await exportDocument(source, id, 'JSON');
    expect(JSON.parse(json.document)).toEqual(json.bundle);
    expect(json.bundle.references.map((r: any) => `${r.kind}:${r.name}`)).toEqual([
      'device:Kitchen tablet',
      'node:kitchen-camera',
    ]);
    const rest = await source.rest('GET', `/v1/flows/${encodeURIComponent(id)}/export?format=YAML`);
    expect(rest.status).toBe(200);
    expect(parse(rest.body.data.document)).toEqual(json.bundle);
    const missing = await source.rest(
      'GET',
      `/v1/flows/${encodeURIComponent(Buffer.from('Flow:nope').toString('base64'))}/export`,
    );
    expect(missing.status).toBe(404);
  });
});

describe('bundles: preview and import', () => {
  it('round-trips every demo flow and seed example: export, import into a fresh server, export again', async () => {
    const ids = await flowIds(source);
    // 003 branching first: the HALO flow runs it by name.
    const names = [...ids.keys()].sort(
      (a, b) => Number(b === '003 branching') - Number(a === '003 branching'),
    );
    expect(names).toEqual(
      expect.arrayContaining(['Kitchen too hot', 'Morning greeting', 'Bathroom check-in']),
    );
    for (const name of names) {
      const first = await exportDocument(source, ids.get(name)!);
      const imported = await target.gql(IMPORT, {
        document: first.document,
        options: { secrets: secretsFor(first.bundle) },
      });
      expect(imported.data.importFlow.__typename, `${name}: ${JSON.stringify(imported)}`).toBe(
        'MutationImportFlowSuccess',
      );
      const second = await exportDocument(target, imported.data.importFlow.data.flow.id);
      expect(second.document, name).toBe(first.document);
    }
    // The secret went into the new server's step, sealed (it runs there), never into a bundle.
    const halo = (await flowIds(target)).get('HALO gateway check')!;
    const stored = await target.gql(`query($id: ID!) { flow(id: $id) { steps { key config } } }`, {
      id: halo,
    });
    const statusApi = stored.data.flow.steps.find((s: any) => s.key === 'status_api');
    expect(statusApi.config.headers.Authorization).toEqual({ $secret: 'set' });
  });

  it('previews problems without writing: name clash, missing secret, unknown reference, bad config', async () => {
    const { document, bundle } = await exportDocument(
      source,
      (await flowIds(source)).get('HALO gateway check')!,
    );
    const broken = structuredClone(bundle);
    broken.flow.name = 'Imported HALO check';
    broken.references.find((r: any) => r.name === 'garage-pi').name = 'shed-pi';
    broken.steps.find((s: any) => s.key === 'status_api').config.method = 'BREW';
    const before = await source.gql(FLOWS);
    const preview = await source.gql(PREVIEW, { document: JSON.stringify(broken) });
    const report = preview.data.previewImport.data;
    expect(report.valid).toBe(false);
    expect(report.problems.map((p: any) => p.code).sort()).toEqual([
      'invalid_config',
      'missing_secret',
      'unresolved_reference',
    ]);
    expect(report.references.find((r: any) => r.name === 'shed-pi')).toMatchObject({
      resolved: false,
      hint: expect.stringContaining('create a node named "shed-pi"'),
    });
    expect(report.steps.find((s: any) => s.key === 'status_api')).toMatchObject({
      status: 'PROBLEM',
      problems: [expect.objectContaining({ code: 'invalid_config', field: 'config.method' })],
    });
    expect(report.steps.find((s: any) => s.key === 'inbound')).toMatchObject({
      status: 'OK',
      fromVersion: 1,
      toVersion: 1,
    });
    expect(report.templates).toEqual([expect.objectContaining({ name: 'Family Slack', action: 'REUSE' })]);

    // The unchanged bundle on its own server: only the name is taken, and the choices resolve it. The
    // template's URL is not given: the one here is reused with its own (another URL would be a clash).
    const stepSecrets = secretsFor(bundle).filter((secret: any) => !secret.template);
    const clash = (await source.gql(PREVIEW, { document, options: { secrets: stepSecrets } })).data
      .previewImport.data;
    expect(clash.problems.map((p: any) => p.code)).toEqual(['name_taken']);
    const withOtherUrl = (await source.gql(PREVIEW, { document, options: { secrets: secretsFor(bundle) } }))
      .data.previewImport.data;
    expect(withOtherUrl.templates[0]).toMatchObject({ action: 'CLASH' });
    const renamed = (
      await source.gql(PREVIEW, { document, options: { onNameClash: 'RENAME', secrets: stepSecrets } })
    ).data.previewImport.data;
    expect(renamed).toMatchObject({
      valid: true,
      flowName: 'HALO gateway check (2)',
      nameClash: { resolution: 'RENAME' },
    });
    expect((await source.gql(FLOWS)).data).toEqual(before.data);
  });

  it('imports all or nothing: a rejected import leaves no template behind', async () => {
    const { bundle } = await exportDocument(source, (await flowIds(source)).get('HALO gateway check')!);
    const changed = structuredClone(bundle);
    changed.flow.name = 'HALO check, other template';
    changed.actionTemplates[0].config.message = 'A different message';
    const templatesBefore = (await source.gql(TEMPLATES)).data.actionTemplates;

    const clash = await source.gql(IMPORT, { bundle: changed, options: { secrets: secretsFor(bundle) } });
    expect(clash.data.importFlow).toMatchObject({
      __typename: 'ImportRejectedError',
      code: 'IMPORT_REJECTED',
    });
    expect(clash.data.importFlow.report.templates[0]).toMatchObject({ action: 'CLASH', status: 'PROBLEM' });

    // With RENAME the template is new, but an edge to a missing step still rejects the whole import.
    const broken = structuredClone(changed);
    broken.edges.push({ source: 'nested', sourcePort: 'main', target: 'nowhere' });
    const rejected = await source.gql(IMPORT, {
      bundle: broken,
      options: { onTemplateClash: 'RENAME', secrets: secretsFor(bundle) },
    });
    expect(rejected.data.importFlow.__typename).toBe('ImportRejectedError');
    expect(rejected.data.importFlow.report.problems.map((p: any) => p.code)).toEqual(['unknown_step']);
    expect((await source.gql(TEMPLATES)).data.actionTemplates).toEqual(templatesBefore);
    expect((await flowIds(source)).has('HALO check, other template')).toBe(false);

    const ok = await source.gql(IMPORT, {
      bundle: changed,
      options: { onTemplateClash: 'RENAME', secrets: secretsFor(bundle) },
    });
    expect(ok.data.importFlow.__typename, JSON.stringify(ok)).toBe('MutationImportFlowSuccess');
    expect(ok.data.importFlow.data.report.templates[0]).toMatchObject({
      action: 'RENAME',
      importedAs: 'Family Slack (2)',
    });
    const templates = (await source.gql(TEMPLATES)).data.actionTemplates;
    expect(templates.map((t: any) => t.name)).toEqual(['Family Slack', 'Family Slack (2)']);
  });

  it('replaces a flow in place when asked, and refuses documents that are not bundles', async () => {
    const ids = await flowIds(target);
    const { bundle } = await exportDocument(target, ids.get('Morning greeting')!);
    bundle.flow.description = 'Replaced by an import';
    const replaced = await target.gql(IMPORT, { bundle, options: { onNameClash: 'REPLACE' } });
    expect(replaced.data.importFlow.data.flow).toMatchObject({ id: ids.get('Morning greeting'), version: 2 });
    const described = await target.gql(`query($id: ID!) { flow(id: $id) { description } }`, {
      id: ids.get('Morning greeting'),
    });
    expect(described.data.flow.description).toBe('Replaced by an import');

    const garbage = await target.gql(PREVIEW, { document: 'kind: something-else\n' });
    expect(garbage.data.previewImport.data.problems).toEqual([
      expect.objectContaining({ code: 'invalid_bundle', field: 'kind' }),
    ]);
    const rest = await target.rest('POST', '/v1/flows/import/preview', { document: '{ not yaml: [' });
    expect(rest.status).toBe(200);
    expect(rest.body.data.problems[0]).toMatchObject({ code: 'invalid_bundle', field: 'document' });
    const restImport = await target.rest('POST', '/v1/flows/import', {
      bundle: { kind: 'kinflow/flow-bundle' },
    });
    expect(restImport.status).toBe(422);
  });
});
