import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

export const ADMIN = { email: 'admin@example.test', password: 'correct-horse-battery' };
export const CAREGIVER = { email: 'casey@example.test', password: 'casey-cares-a-lot', name: 'Casey Morgan' };
export const DEMO_FLOWS = ['Kitchen too hot', 'Morning greeting', 'Bathroom check-in'];

const PWA_DIR = fileURLToPath(new URL('../../pwa/dist/', import.meta.url));

export interface TestServer {
  /** Base URL for the browser, on 127.0.0.1 so no IPv6 lookup of "localhost" gets in the way. */
  url: string;
  /** The server's own process (built `server/dist/main.js`), to kill or restart it. */
  process: ServerProcess;
  graphql<T = Record<string, unknown>>(
    query: string,
    variables?: object,
    token?: string,
  ): Promise<GraphQLReply<T>>;
  /** SIGTERM and start again on the same data folder and port (after `process.kill()` too). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface GraphQLReply<T> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/** A real Kinflow with the demo household and a caregiver account, on a fresh database and a free port. */
export async function startTestServer(): Promise<TestServer> {
  if (!fs.existsSync(path.join(PWA_DIR, 'index.html'))) {
    throw new Error(`${PWA_DIR} has no build: run \`pnpm --filter @kinflow/pwa build\` first`);
  }
  let proc = await startServerProcess({
    env: {
      KINFLOW_ADMIN_EMAIL: ADMIN.email,
      KINFLOW_ADMIN_PASSWORD: ADMIN.password,
      KINFLOW_PWA_DIR: PWA_DIR,
      KINFLOW_DEMO: 'true',
      NODE_ENV: 'test',
    },
  });
  const url = proc.url;

  async function graphql<T>(query: string, variables: object = {}, token?: string): Promise<GraphQLReply<T>> {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(token && { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, ...((await response.json()) as Omit<GraphQLReply<T>, 'status'>) };
  }

  const server: TestServer = {
    url,
    get process() {
      return proc;
    },
    graphql,
    async restart() {
      proc = await proc.restart();
    },
    async close() {
      await proc.dispose();
    },
  };
  try {
    await createCaregiver(server);
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}

export async function loginToken(
  server: TestServer,
  who: { email: string; password: string },
): Promise<string> {
  const reply = await server.graphql<{ login: { __typename: string; data?: { token: string } } }>(
    `mutation ($email: String!, $password: String!) {
      login(email: $email, password: $password) {
        __typename
        ... on MutationLoginSuccess { data { token } }
      }
    }`,
    who,
  );
  const token = reply.data?.login.data?.token;
  if (!token) throw new Error(`login as ${who.email} failed: ${JSON.stringify(reply)}`);
  return token;
}

async function createCaregiver(server: TestServer): Promise<void> {
  const admin = await loginToken(server, ADMIN);
  const reply = await server.graphql<{ createUser: { __typename: string } }>(
    `mutation ($email: String!, $name: String!, $password: String!) {
      createUser(email: $email, name: $name, password: $password, role: CAREGIVER) {
        __typename
        ... on InvalidInputError { message }
      }
    }`,
    CAREGIVER,
    admin,
  );
  if (reply.data?.createUser.__typename !== 'MutationCreateUserSuccess') {
    throw new Error(`could not create the caregiver: ${JSON.stringify(reply)}`);
  }
}
