import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import SimpleObjectsPlugin from '@pothos/plugin-simple-objects';
import ValidationPlugin from '@pothos/plugin-validation';
import { GraphQLError } from 'graphql';
import type { GraphQLContext } from './context.js';
import { decodeGlobalId } from './global-ids.js';
import { InputValidationError } from './input-validation.js';

export interface AuthScopes {
  /** Signed in as anyone (a person, an app or a tablet). */
  authenticated: boolean;
  read: boolean;
  write: boolean;
  trigger: boolean;
  ingest: boolean;
  respond: boolean;
  admin: boolean;
  device: boolean;
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: AuthScopes;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
  };
}>({
  defaultFieldNullability: false,
  plugins: [
    ScopeAuthPlugin,
    ErrorsPlugin,
    ValidationPlugin,
    RelayPlugin,
    DataloaderPlugin,
    SimpleObjectsPlugin,
  ],
  scopeAuth: {
    // Check a subscription's scopes once when it starts rather than on every event.
    authorizeOnSubscribe: true,
    authScopes: (context) => ({
      authenticated: context.actor !== null,
      read: context.permissions.has('read'),
      write: context.permissions.has('write'),
      trigger: context.permissions.has('trigger'),
      ingest: context.permissions.has('ingest'),
      respond: context.permissions.has('respond'),
      admin: context.permissions.has('admin'),
      device: context.permissions.has('device'),
    }),
    unauthorizedError: (_parent, context, info) =>
      context.actor
        ? new GraphQLError(`not allowed to access ${info.parentType.name}.${info.fieldName}`, {
            extensions: { code: 'FORBIDDEN', http: { status: 403 } },
          })
        : new GraphQLError('sign in or send an API key (Authorization: Bearer …)', {
            extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
          }),
  },
  relay: {
    decodeGlobalID: decodeGlobalId,
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: { description: 'Fetches any object by its global ID.' },
    nodesQueryOptions: { description: 'Fetches several objects by their global IDs.' },
    nodeTypeOptions: { description: 'An object with a global ID.' },
    pageInfoTypeOptions: { description: 'Where a page of a connection sits in the whole list.' },
  },
  errors: {
    defaultTypes: [],
    // Argument validation runs before resolvers; this returns its failures as InvalidInputError.
    // They reveal nothing but the caller's own input, and nothing is written either way.
    unsafelyHandleInputErrors: true,
  },
  validation: {
    validationError: (result) => new InputValidationError(result.issues),
  },
});
