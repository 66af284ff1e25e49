import { z } from 'zod';
import * as auth from '../auth/service.js';
import { hashToken } from '../auth/tokens.js';
import { API_KEY_SCOPES, ApiKey, Device, User, USER_ROLES } from '../db/entities/index.js';
import type { ApiKey as ApiKeyRow, Device as DeviceRow, User as UserRow } from '../db/entities/index.js';
import { builder } from './builder.js';
import { NotFoundError } from '../flows/errors.js';
import { InvalidCredentialsError, LoginThrottledError } from './errors.js';
import { InputValidationError } from './input-validation.js';

const enumValues = <T extends string>(values: readonly T[], describe: (value: T) => string) =>
  Object.fromEntries(values.map((value) => [value.toUpperCase(), { value, description: describe(value) }]));

export const UserRoleEnum = builder.enumType('UserRole', {
  description: 'What a person may do.',
  values: enumValues(
    USER_ROLES,
    (role) =>
      ({
        admin: 'Everything, including users and API keys.',
        caregiver: 'Edit and run flows, acknowledge alerts.',
        viewer: 'Look, change nothing.',
      })[role],
  ),
});

export const ApiKeyScopeEnum = builder.enumType('ApiKeyScope', {
  description: 'What an API key may do.',
  values: enumValues(
    API_KEY_SCOPES,
    (scope) =>
      ({
        read: 'Read flows, runs, alerts and nodes.',
        write: 'Create, change and delete flows.',
        trigger: 'Start, cancel and rerun runs.',
        ingest: 'Push telemetry and node events.',
        respond: 'Answer check-in prompts on the senior’s behalf (a voice assistant).',
      })[scope],
  ),
});

export const UserRef = builder.node(builder.objectRef<UserRow>('User'), {
  description: 'A person who signs in: an administrator, a caregiver or a viewer.',
  id: { resolve: (user) => user.id },
  // Login returns the user to a caller who was anonymous a moment ago; that field grants `signedIn`.
  // Others see a person only as an admin, or as themselves (also through node(id:)); who acknowledged
  // an alert is readable to readers through a field that grants `signedIn`.
  authScopes: (user, context) =>
    context.actor?.kind === 'user' && context.actor.id === user.id
      ? true
      : { $any: { admin: true, $granted: 'signedIn' } },
  loadMany: (ids, context) => context.em.find(User, { id: { $in: ids as string[] } }),
  fields: (t) => ({
    email: t.exposeString('email', { description: 'Sign-in email, lower-cased.' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    role: t.expose('role', { type: UserRoleEnum, description: 'What the person may do.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the account was created.' }),
  }),
});

export const ApiKeyRef = builder.node(builder.objectRef<ApiKeyRow>('ApiKey'), {
  description:
    'A key a third-party app uses to call the API; the secret itself is shown only once, at creation.',
  id: { resolve: (key) => key.id },
  authScopes: { admin: true },
  loadMany: (ids, context) => context.em.find(ApiKey, { id: { $in: ids as string[] } }),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'What the key is for.' }),
    prefix: t.exposeString('prefix', { description: 'The first characters of the key, to recognise it.' }),
    scopes: t.expose('scopes', { type: [ApiKeyScopeEnum], description: 'What the key may do.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the key was created.' }),
    revokedAt: t.expose('revokedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the key was revoked, if it was.',
    }),
  }),
});

export const DeviceRef = builder.node(builder.objectRef<DeviceRow>('Device'), {
  description: "A display device, typically a senior's wall or kitchen tablet.",
  id: { resolve: (device) => device.id },
  // A tablet sees only itself (also through node(id:)); readers see every tablet.
  authScopes: (device, context) =>
    context.actor?.kind === 'device'
      ? context.actor.id === device.id
      : { $any: { read: true, respond: true, $granted: 'paired' } },
  loadMany: (ids, context) => context.em.find(Device, { id: { $in: ids as string[] } }),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Display name, e.g. "Kitchen tablet".' }),
    room: t.exposeString('room', { nullable: true, description: 'Room the device hangs in.' }),
    person: t.exposeString('person', { nullable: true, description: 'Person the device is for.' }),
    lastSeenAt: t.expose('lastSeenAt', {
      type: 'DateTime',
      nullable: true,
      description:
        'Last time the tablet called in: any request or WebSocket connection with its device token (to the minute).',
    }),
  }),
});

const ApiClientRef = builder.simpleObject('ApiClient', {
  description: 'A third-party app calling with an API key.',
  fields: (t) => ({
    name: t.string({ description: 'Name of the key.' }),
    scopes: t.field({ type: [ApiKeyScopeEnum], description: 'What the key may do.' }),
  }),
});

const ViewerUnion = builder.unionType('Viewer', {
  description: 'Whoever is calling: a person, an app, or a tablet.',
  types: [UserRef, ApiClientRef, DeviceRef],
  resolveType: (value) =>
    'scopes' in value && !('prefix' in value) ? 'ApiClient' : 'tokenPrefix' in value ? 'Device' : 'User',
});

const LoginPayload = builder.simpleObject('LoginPayload', {
  description: 'A new session.',
  fields: (t) => ({
    token: t.string({
      description: 'Bearer token for the Authorization header and the WebSocket connectionParams.',
    }),
    expiresAt: t.field({ type: 'DateTime', description: 'When the token stops working.' }),
    user: t.field({ type: UserRef, description: 'Who signed in.', grantScopes: ['signedIn'] }),
  }),
});

const ApiKeyCreated = builder.simpleObject('ApiKeyCreated', {
  description: 'A new API key; `token` is shown this once.',
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, description: 'The stored key.' }),
    token: t.string({ description: 'The secret; send it as `Authorization: Bearer <token>`.' }),
  }),
});

const DeviceCreated = builder.simpleObject('DeviceCreated', {
  description: 'A new tablet; `token` is shown this once and is entered on the tablet.',
  fields: (t) => ({
    device: t.field({ type: DeviceRef, description: 'The stored device.' }),
    token: t.string({ description: 'The device secret.' }),
  }),
});

builder.queryFields((t) => ({
  viewer: t.field({
    type: ViewerUnion,
    description: 'Who is calling.',
    authScopes: { authenticated: true },
    resolve: async (_root, _args, { actor, em }) => {
      if (actor?.kind === 'apiKey')
        return { kind: 'apiClient' as const, name: actor.name, scopes: actor.scopes };
      if (actor?.kind === 'device') return em.findOneOrFail(Device, { id: actor.id });
      return em.findOneOrFail(User, { id: actor!.id });
    },
  }),
}));

builder.queryFields((t) => ({
  users: t.field({
    type: [UserRef],
    description: 'Every person account, by email (admins only).',
    authScopes: { admin: true },
    resolve: (_root, _args, { em }) => em.find(User, {}, { orderBy: { email: 'asc' } }),
  }),
  apiKeys: t.field({
    type: [ApiKeyRef],
    description: 'Every API key, newest first (admins only). Secrets are never shown again.',
    authScopes: { admin: true },
    resolve: (_root, _args, { em }) => em.find(ApiKey, {}, { orderBy: { createdAt: 'desc', id: 'desc' } }),
  }),
  devices: t.field({
    type: [DeviceRef],
    description: 'Every registered tablet, by name.',
    authScopes: { read: true },
    resolve: (_root, _args, { em }) => em.find(Device, {}, { orderBy: { name: 'asc' } }),
  }),
}));

builder.mutationFields((t) => ({
  revokeApiKey: t.field({
    type: ApiKeyRef,
    description: 'Revokes an API key at once (admins only); revoking twice keeps the first time.',
    authScopes: { admin: true },
    errors: { types: [NotFoundError, InputValidationError] },
    args: { id: t.arg.globalID({ required: true, description: 'Global ID of the key.' }) },
    resolve: async (_root, { id }, { em, services }) => {
      const key = await em.findOne(ApiKey, { id: id.id });
      if (!key) throw new NotFoundError('API key', id.id);
      key.revokedAt ??= new Date();
      await em.flush();
      services.access.publish({ kind: 'apiKey', id: key.id });
      return key;
    },
  }),
  login: t.field({
    type: LoginPayload,
    description: 'Signs a person in with email and password.',
    errors: { types: [InvalidCredentialsError, LoginThrottledError, InputValidationError] },
    args: {
      email: t.arg.string({
        required: true,
        description: 'Sign-in email.',
        validate: z.string().trim().min(3).max(254),
      }),
      password: t.arg.string({
        required: true,
        description: 'Password.',
        validate: z.string().min(1).max(1024),
      }),
    },
    resolve: async (_root, { email, password }, { em, services, clientAddress }) => {
      const throttle = services.loginThrottle;
      const wait = await throttle.retryAfterMs(email, clientAddress);
      if (wait > 0) throw new LoginThrottledError(Math.ceil(wait / 1000));
      const result = await auth.login(em, email, password);
      if (!result) {
        await throttle.failed(email, clientAddress);
        throw new InvalidCredentialsError();
      }
      await throttle.succeeded(email, clientAddress);
      return result;
    },
  }),
  logout: t.boolean({
    description: 'Ends the current session (the bearer token stops working).',
    authScopes: { authenticated: true },
    resolve: async (_root, _args, { em, token, actor, services }) => {
      if (actor?.kind === 'user' && token) {
        await auth.logout(em, token);
        services.access.publish({ kind: 'session', tokenHash: hashToken(token) });
      }
      return true;
    },
  }),
  createApiKey: t.field({
    type: ApiKeyCreated,
    description: 'Creates an API key for a third-party app (admins only).',
    authScopes: { admin: true },
    errors: { types: [InputValidationError] },
    args: {
      name: t.arg.string({
        required: true,
        description: 'What the key is for.',
        validate: z.string().trim().min(1).max(80),
      }),
      scopes: t.arg({
        type: [ApiKeyScopeEnum],
        required: true,
        description: 'What it may do.',
        validate: z.array(z.string()).min(1),
      }),
    },
    resolve: (_root, { name, scopes }, { em, actor }) =>
      auth.createApiKey(em, { name, scopes, createdBy: actor?.id ?? null }),
  }),
  createDevice: t.field({
    type: DeviceCreated,
    description: 'Registers a tablet (admins only).',
    authScopes: { admin: true },
    errors: { types: [InputValidationError] },
    args: {
      name: t.arg.string({
        required: true,
        description: 'Display name.',
        validate: z.string().trim().min(1).max(80),
      }),
      room: t.arg.string({ description: 'Room.' }),
      person: t.arg.string({ description: 'Person the tablet is for.' }),
    },
    resolve: (_root, args, { em }) => auth.createDevice(em, args),
  }),
  createUser: t.field({
    type: UserRef,
    description: 'Creates a person account (admins only).',
    authScopes: { admin: true },
    errors: { types: [InputValidationError] },
    args: {
      email: t.arg.string({ required: true, description: 'Sign-in email.', validate: z.email() }),
      name: t.arg.string({
        required: true,
        description: 'Display name.',
        validate: z.string().trim().min(1).max(80),
      }),
      role: t.arg({ type: UserRoleEnum, required: true, description: 'What the person may do.' }),
      password: t.arg.string({
        required: true,
        description: 'At least 8 characters.',
        validate: z.string().min(8).max(1024),
      }),
    },
    resolve: async (_root, args, { em }) => {
      // Checked before hashing, so a duplicate neither costs a hash nor reaches the database as one.
      if (await em.findOne(User, { email: args.email.trim().toLowerCase() }))
        throw new InputValidationError([
          { path: ['email'], message: 'an account with this email already exists' },
        ]);
      return auth.createUser(em, args);
    },
  }),
}));
