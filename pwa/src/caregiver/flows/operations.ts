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
