import { graphql, type ResultOf } from '../../../shared/graphql/graphql';

export const Variables = graphql(`
  query Variables($scope: VariableScope!, $flowId: ID, $first: Int) {
    variables(scope: $scope, flowId: $flowId, first: $first) {
      __typename
      ... on QueryVariablesSuccess {
        data {
          pageInfo {
            hasNextPage
          }
          edges {
            node {
              key
              scope
              value
            }
          }
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

export type Variable = Extract<
  ResultOf<typeof Variables>['variables'],
  { __typename: 'QueryVariablesSuccess' }
>['data']['edges'][number]['node'];

export const SetVariable = graphql(`
  mutation SetVariable($scope: VariableScope!, $flowId: ID, $key: String!, $value: JSON) {
    setVariable(scope: $scope, flowId: $flowId, key: $key, value: $value) {
      __typename
      ... on MutationSetVariableSuccess {
        data {
          key
          scope
          value
        }
      }
      ... on InvalidInputError {
        issues {
          field
          message
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

export const DeleteVariable = graphql(`
  mutation DeleteVariable($scope: VariableScope!, $flowId: ID, $key: String!) {
    deleteVariable(scope: $scope, flowId: $flowId, key: $key) {
      __typename
      ... on Error {
        message
      }
    }
  }
`);
