import { graphql } from '../../shared/graphql/graphql';

export const NodesQuery = graphql(`
  query Nodes {
    gatewayNodes(first: 100) {
      edges {
        node {
          id
          name
          kind
          status
          lastSeenAt
          latestTelemetry {
            metric
            value
            recordedAt
          }
        }
      }
    }
  }
`);

export const MetricPreviewQuery = graphql(`
  query NodeMetricPreview($node: String!, $metric: String!) {
    metricPreview(node: $node, metric: $metric, limit: 60) {
      __typename
      ... on QueryMetricPreviewSuccess {
        data {
          count
          min
          max
          avg
          values {
            value
            recordedAt
          }
        }
      }
      ... on Error {
        message
      }
    }
  }
`);
