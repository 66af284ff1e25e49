import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startKinflow, type StartedKinflow } from '../src/app.js';

export const ADMIN = { email: 'admin@example.test', password: 'correct-horse-battery' };
export const API_KEY = 'kfk_test_key_for_integration_tests_0123456789';

export interface TestServer extends StartedKinflow {
  dataDir: string;
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
  ): Promise<GqlResponse<T>>;
  rest(
    method: string,
    route: string,
    body?: unknown,
    token?: string | null,
  ): Promise<{ status: number; body: any }>;
  loginAs(email: string, password: string): Promise<string>;
  stop(): Promise<void>;
}

export interface GqlResponse<T> {
  status: number;
  data: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/** A real server on a free port with its own data folder; `token` defaults to the full-scope API key. */
export async function startTestServer(
  options: {
    demo?: boolean;
    /** Extra environment, e.g. MQTT_URL. */ env?: Record<string, string>;
    /** An existing data folder (a restart); a fresh one by default. */ dataDir?: string;
  } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-test-'));
  const server = await startKinflow({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    quiet: true,
    demo: options.demo ?? false,
    env: {
      KINFLOW_ADMIN_EMAIL: ADMIN.email,
      KINFLOW_ADMIN_PASSWORD: ADMIN.password,
      KINFLOW_API_KEY: API_KEY,
      KINFLOW_PWA_DIR: path.join(dataDir, 'no-pwa'),
      ...options.env,
    },
  });
  const url = `http://127.0.0.1:${server.port}`;
  const headers = (token: string | null | undefined) => ({
    'content-type': 'application/json',
    ...(token !== null && { authorization: `Bearer ${token ?? API_KEY}` }),
  });
  const gql: TestServer['gql'] = async (query, variables, token) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: headers(token),
      body: JSON.stringify({ query, variables }),
    });
    const json = (await response.json()) as { data: any; errors?: GqlResponse<unknown>['errors'] };
    return { status: response.status, data: json.data, errors: json.errors };
  };
  return {
    ...server,
    url,
    dataDir,
    gql,
    async rest(method, route, body, token) {
      const response = await fetch(`${url}${route}`, {
        method,
        headers: headers(token),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    async loginAs(email, password) {
      const result = await gql(
        `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename ... on MutationLoginSuccess { data { token } } } }`,
        { e: email, p: password },
        null,
      );
      const token = result.data?.login?.data?.token;
      if (!token) throw new Error(`login failed: ${JSON.stringify(result)}`);
      return token;
    },
    async stop() {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
