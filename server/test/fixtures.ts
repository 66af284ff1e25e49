import { expect } from 'vitest';
import type { TestServer } from './harness.js';
/** GraphQL documents shared by the API tests. */
export const FLOW_FIELDS = `id name version enabled stepCount steps { key type label config enabled position { x y } } edges { source sourcePort target }`;

const ERROR_FIELDS = `
  __typename
  ... on Error { message code }
  ... on FlowValidationError { issues { code message stepKey field } }
  ... on VersionConflictError { expectedVersion currentVersion }
  ... on InvalidInputError { issues { field message } }
`;

export const CREATE_FLOW = `mutation($input: CreateFlowInput!) {
  createFlow(input: $input) { ${ERROR_FIELDS} ... on MutationCreateFlowSuccess { data { ${FLOW_FIELDS} } } }
}`;

export const SAVE_STEPS = `mutation($flowId: ID!, $expectedVersion: Int!, $steps: [FlowStepInput!], $deleteKeys: [String!]) {
  saveFlowSteps(flowId: $flowId, expectedVersion: $expectedVersion, steps: $steps, deleteKeys: $deleteKeys) {
    ${ERROR_FIELDS} ... on MutationSaveFlowStepsSuccess { data { ${FLOW_FIELDS} } }
  }
}`;

export const REPLACE_EDGES = `mutation($flowId: ID!, $expectedVersion: Int!, $edges: [FlowEdgeInput!]!) {
  replaceFlowEdges(flowId: $flowId, expectedVersion: $expectedVersion, edges: $edges) {
    ${ERROR_FIELDS} ... on MutationReplaceFlowEdgesSuccess { data { ${FLOW_FIELDS} } }
  }
}`;

export const UPDATE_FLOW = `mutation($id: ID!, $input: UpdateFlowInput!) {
  updateFlow(id: $id, input: $input) { ${ERROR_FIELDS} ... on MutationUpdateFlowSuccess { data { ${FLOW_FIELDS} } } }
}`;

export const GET_FLOW = `query($id: ID!) { flow(id: $id) { ${FLOW_FIELDS} } }`;

export const COUNTS = `{ flows(first: 100) { totalCount edges { node { name version stepCount edges { source } } } } }`;

/** trigger → threshold → alert, a small valid graph. */
export const sampleGraph = () => ({
  steps: [
    { key: 'start', type: 'manual', config: {} },
    { key: 'hot', type: 'threshold', config: { path: 'trigger.value', operator: '>', value: 30 } },
    { key: 'warn', type: 'alert', config: { level: 'warning', message: 'Too hot: {value}' } },
  ],
  edges: [
    { source: 'start', target: 'hot' },
    { source: 'hot', sourcePort: 'true', target: 'warn' },
  ],
});

/** Creates a flow over GraphQL and returns its global ID; fails the test with the errors otherwise. */
export async function createFlowOrFail(
  server: Pick<TestServer, 'gql'>,
  name: string,
  steps: unknown[],
  edges: unknown[],
): Promise<string> {
  const result = await server.gql(CREATE_FLOW, { input: { name, steps, edges } });
  expect(result.data.createFlow.__typename, JSON.stringify(result)).toBe('MutationCreateFlowSuccess');
  return result.data.createFlow.data.id as string;
}
