import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';

/** Issue 8: every REST route keeps one envelope, and IDs behave the same on all of them. */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ demo: true });
});
afterAll(() => server.stop());

const unknown = (typename: string) =>
  encodeURIComponent(Buffer.from(`${typename}:01900000-0000-7000-8000-000000000000`).toString('base64'));

function expectEnvelope(route: string, body: unknown) {
  expect(body, route).toBeTypeOf('object');
  const keys = Object.keys(body as object);
  expect(keys, route).toHaveLength(1);
  if (keys[0] === 'error') {
    const error = (body as { error: { code: unknown; message: unknown } }).error;
    expect(typeof error.code, route).toBe('string');
    expect(typeof error.message, route).toBe('string');
  } else {
    expect(keys[0], route).toBe('data');
  }
}

describe('REST routes', () => {
  it('every route in the OpenAPI document answers with the envelope and never 500', async () => {
    const document = (await (await fetch(`${server.url}/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({ path, method: method.toUpperCase() })),
    );
    expect(routes.length).toBeGreaterThan(40);
    for (const { path, method } of routes) {
      const concrete = path
        .replace('{node}', 'front-door')
        .replace('{name}', 'ping')
        .replace(/\{[^}]+\}/g, 'not-an-id');
      const { status, body } = await server.rest(method, `/v1${concrete}`, method === 'GET' ? undefined : {});
      const route = `${method} ${path} → ${status} ${JSON.stringify(body).slice(0, 200)}`;
      expect(status, route).toBeLessThan(500);
      expectEnvelope(route, body);
      expect(status >= 400, route).toBe('error' in (body as object));
    }
  });

  it('GET /v1/nodes lists the nodes (no longer shadowed by the relay nodes lookup)', async () => {
    const { status, body } = await server.rest('GET', '/v1/nodes');
    expect(status).toBe(200);
    expect(body.data.edges.map((edge: { node: { name: string } }) => edge.node.name)).toEqual([
      'bathroom-presence',
      'front-door',
      'kitchen-climate',
      'living-room-gateway',
    ]);
    const objects = await server.rest('GET', `/v1/objects?ids=${body.data.edges[0].node.id}`);
    expect(objects.status).toBe(200);
    expect(objects.body.data).toHaveLength(1);
  });

  it('unknown IDs answer 404 with NOT_FOUND, malformed ones 400 with INVALID_INPUT', async () => {
    const cases: Array<[string, string, string]> = [
      ['GET', '/v1/flows/%s', 'Flow'],
      ['PUT', '/v1/flows/%s', 'Flow'],
      ['DELETE', '/v1/flows/%s', 'Flow'],
      ['POST', '/v1/flows/%s/trigger', 'Flow'],
      ['GET', '/v1/nodes/%s', 'GatewayNode'],
      ['PUT', '/v1/nodes/%s', 'GatewayNode'],
      ['DELETE', '/v1/nodes/%s', 'GatewayNode'],
      ['GET', '/v1/executions/%s', 'FlowExecution'],
    ];
    for (const [method, route, typename] of cases) {
      const input = typename === 'Flow' ? { description: 'x' } : { kind: 'x' };
      const body = method === 'PUT' ? { input } : method === 'GET' ? undefined : {};
      const missing = await server.rest(method, route.replace('%s', unknown(typename)), body);
      expect(missing.status, `${method} ${route} unknown`).toBe(404);
      expect(missing.body.error.code, `${method} ${route} unknown`).toBe('NOT_FOUND');
      const malformed = await server.rest(method, route.replace('%s', 'n0t%20an%20id'), body);
      expect(malformed.status, `${method} ${route} malformed`).toBe(400);
      expect(malformed.body.error.code, `${method} ${route} malformed`).toBe('INVALID_INPUT');
    }
  });

  it('flow and node paths take the unique name as well as the global ID', async () => {
    const flow = await server.rest('GET', `/v1/flows/${encodeURIComponent('Kitchen too hot')}`);
    expect(flow.status).toBe(200);
    expect(flow.body.data.name).toBe('Kitchen too hot');
    const byId = await server.rest('GET', `/v1/flows/${encodeURIComponent(flow.body.data.id)}`);
    expect(byId.body.data.name).toBe('Kitchen too hot');
    const runs = await server.rest('GET', `/v1/flows/${encodeURIComponent('Kitchen too hot')}/executions`);
    expect(runs.status).toBe(200);
    expect(runs.body.data.totalCount).toBe(0);
    const node = await server.rest('GET', '/v1/nodes/kitchen-climate');
    expect(node.status).toBe(200);
    expect(node.body.data.name).toBe('kitchen-climate');
  });

  it('creation answers 201 Created', async () => {
    const flow = await server.rest('POST', '/v1/flows', { input: { name: 'Made over REST' } });
    expect(flow.status).toBe(201);
    expect(flow.body.data.name).toBe('Made over REST');
    const node = await server.rest('POST', '/v1/nodes', { input: { name: 'garden-sensor' } });
    expect(node.status).toBe(201);
    expect(node.body.data.name).toBe('garden-sensor');
  });

  it('errors outside typed results use the same envelope: no token, an unknown route', async () => {
    const anonymous = await server.rest('GET', '/v1/flows', undefined, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
    const nowhere = await server.rest('GET', '/v1/no-such-route');
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.error.code).toBe('NOT_FOUND');
  });
});

describe('malformed IDs given to mutations', () => {
  const MUTATIONS: Array<[string, string]> = [
    ['deleteFlow', 'deleteFlow(id: $id)'],
    ['updateFlow', 'updateFlow(id: $id, input: { description: "x" })'],
    ['saveFlowSteps', 'saveFlowSteps(flowId: $id, expectedVersion: 1)'],
    ['replaceFlowEdges', 'replaceFlowEdges(flowId: $id, expectedVersion: 1, edges: [])'],
    ['saveStepPositions', 'saveStepPositions(flowId: $id, positions: [])'],
    ['validateFlow', 'validateFlow(id: $id)'],
    ['triggerFlow', 'triggerFlow(id: $id)'],
    ['cancelExecution', 'cancelExecution(id: $id)'],
    ['rerunExecution', 'rerunExecution(id: $id)'],
    ['deleteNode', 'deleteNode(id: $id)'],
    ['updateNode', 'updateNode(id: $id, input: { kind: "x" })'],
    ['acknowledgeAlert', 'acknowledgeAlert(id: $id)'],
    ['revokeApiKey', 'revokeApiKey(id: $id)'],
    ['deleteActionTemplate', 'deleteActionTemplate(id: $id)'],
    ['issueWebhookUrl', 'issueWebhookUrl(flowId: $id, stepKey: "hook")'],
  ];

  it('come back as the typed InvalidInputError; well-formed unknown ones as NotFoundError', async () => {
    const admin = await server.loginAs('admin@example.test', 'correct-horse-battery');
    for (const [name, call] of MUTATIONS) {
      const query = `mutation($id: ID!) { ${call} { __typename ... on Error { code message } } }`;
      const malformed = await server.gql(query, { id: 'garbage!' }, admin);
      expect(malformed.errors, name).toBeUndefined();
      expect(malformed.data[name], name).toMatchObject({
        __typename: 'InvalidInputError',
        code: 'INVALID_INPUT',
      });
      const wrongType = await server.gql(query, { id: Buffer.from('Nothing:123').toString('base64') }, admin);
      expect(wrongType.errors, name).toBeUndefined();
      expect(wrongType.data[name].code, name).toBe('NOT_FOUND');
    }
  });
});
