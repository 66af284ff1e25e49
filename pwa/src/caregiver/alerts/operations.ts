import { graphql, type ResultOf } from '../../shared/graphql/graphql';

export const AlertFields = graphql(`
  fragment AlertFields on Alert {
    id
    level
    message
    acknowledged
    acknowledgedAt
    createdAt
    executionId
    flow {
      id
      name
    }
    node {
      id
      name
    }
  }
`);

export const AlertsQuery = graphql(
  `
    query Alerts($level: AlertLevel, $acknowledged: Boolean, $first: Int!, $after: String) {
      alerts(level: $level, acknowledged: $acknowledged, first: $first, after: $after) {
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            ...AlertFields
          }
        }
      }
    }
  `,
  [AlertFields],
);

export const AlertCountsQuery = graphql(`
  query AlertCounts {
    unacknowledgedAlertCounts {
      emergency
      warning
      info
      reminder
      total
    }
  }
`);

export const AcknowledgeAlertsMutation = graphql(`
  mutation AcknowledgeAlerts($ids: [ID!]!) {
    acknowledgeAlerts(ids: $ids) {
      __typename
      ... on MutationAcknowledgeAlertsSuccess {
        data {
          id
          acknowledged
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

export const AlertRaisedSubscription = graphql(`
  subscription AlertRaised {
    alertRaised {
      id
      level
      message
      executionId
    }
  }
`);

export type AlertItem = ResultOf<typeof AlertFields>;
export type AlertCounts = ResultOf<typeof AlertCountsQuery>['unacknowledgedAlertCounts'];

export const AlertsAcknowledgedSubscription = graphql(`
  subscription AlertsAcknowledged {
    alertsAcknowledged
  }
`);
