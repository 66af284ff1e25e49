import type { Permission } from '../src/auth/actor.js';
import { ADMIN, type TestServer } from './harness.js';

/** Every kind of caller the authorization tests try, with the permissions each one holds. */
export const CALLER_PERMISSIONS: Record<string, Permission[]> = {
  anonymous: [],
  device: ['device'],
  viewer: ['read'],
  caregiver: ['read', 'write', 'trigger', 'ingest', 'respond'],
  admin: ['read', 'write', 'trigger', 'ingest', 'respond', 'admin'],
  'key:READ': ['read'],
  'key:WRITE': ['write'],
  'key:TRIGGER': ['trigger'],
  'key:INGEST': ['ingest'],
  'key:RESPOND': ['respond'],
};

export interface Callers {
  /** Bearer token per caller kind (null: anonymous). */
  tokens: Record<string, string | null>;
  /** The user ID behind each person caller, for "themselves" rules. */
  userIds: Record<string, string>;
}

/**
 * Signs in a VIEWER and a CAREGIVER, creates one key per single scope, and takes the demo tablet's
 * token; `admin` is an admin session token. Needs a demo server (for the tablet).
 */
export async function createCallers(server: TestServer, admin: string, tag = 'matrix'): Promise<Callers> {
  const tokens: Record<string, string | null> = {
    anonymous: null,
    device: server.credentials.deviceToken!,
    admin,
  };
  for (const role of ['VIEWER', 'CAREGIVER']) {
    const email = `${role.toLowerCase()}@${tag}.test`;
    await server.gql(
      `mutation { createUser(email: "${email}", name: "M", role: ${role}, password: "matrix-password") { __typename } }`,
      {},
      admin,
    );
    tokens[role.toLowerCase()] = await server.loginAs(email, 'matrix-password');
  }
  for (const scope of ['READ', 'WRITE', 'TRIGGER', 'INGEST', 'RESPOND']) {
    const created = await server.gql(
      `mutation { createApiKey(name: "${tag} ${scope}", scopes: [${scope}]) { ... on MutationCreateApiKeySuccess { data { token } } } }`,
      {},
      admin,
    );
    tokens[`key:${scope}`] = created.data.createApiKey.data.token;
  }
  const users = (await server.gql(`{ users { id email } }`, {}, admin)).data.users as Array<{
    id: string;
    email: string;
  }>;
  const idOf = (email: string) => users.find((user) => user.email === email)!.id;
  const userIds = {
    admin: idOf(ADMIN.email),
    viewer: idOf(`viewer@${tag}.test`),
    caregiver: idOf(`caregiver@${tag}.test`),
  };
  return { tokens, userIds };
}
