import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import { describeGeneratedTypes } from './describe-generated.js';
import './scalars.js';
import './errors.js';
import './identity.js';
import './step-types.js';
import './flow-types.js';
import './flows.js';
import './home.js';
import './telemetry.js';
import './alerts.js';
import './action-templates.js';
import './executions.js';
import './flow-data-keys.js';
import './triggers.js';
import './bundles.js';
import './variables.js';
import './activities.js';
import './attention.js';
import './tablets.js';

builder.queryType({ description: 'Reads.' });
builder.mutationType({ description: 'Changes.' });
builder.subscriptionType({ description: 'Live updates, over WebSocket (graphql-ws) or SSE.' });

let schema: GraphQLSchema | undefined;

/** The schema is built once per process; Pothos builders cannot be built twice. */
export function buildSchema(): GraphQLSchema {
  schema ??= lexicographicSortSchema(describeGeneratedTypes(builder.toSchema()));
  return schema;
}
