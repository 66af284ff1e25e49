import { graphql, type ResultOf } from '../../shared/graphql/graphql';

export const FlowsQuery = graphql(`
  query Flows($first: Int, $after: String) {
    flows(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          name
          description
          enabled
          version
          stepCount
          updatedAt
        }
      }
    }
  }
`);

export type FlowSummary = ResultOf<typeof FlowsQuery>['flows']['edges'][number]['node'];

export const CreateFlow = graphql(`
  mutation CreateFlow($input: CreateFlowInput!) {
    createFlow(input: $input) {
      __typename
      ... on MutationCreateFlowSuccess {
        data {
          id
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

export const DeleteFlow = graphql(`
  mutation DeleteFlow($id: ID!) {
    deleteFlow(id: $id) {
      __typename
      ... on Error {
        message
      }
    }
  }
`);

export const UpdateFlowSettings = graphql(`
  mutation UpdateFlowSettings($id: ID!, $input: UpdateFlowInput!) {
    updateFlow(id: $id, input: $input) {
      __typename
      ... on MutationUpdateFlowSuccess {
        data {
          id
          version
        }
      }
      ... on Error {
        message
      }
      ... on FlowValidationError {
        issues {
          field
          message
        }
      }
    }
  }
`);
