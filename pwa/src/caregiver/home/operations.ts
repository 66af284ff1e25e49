import { graphql } from '../../shared/graphql/graphql';

export const NeedsAttentionQuery = graphql(`
  query NeedsAttention {
    needsAttention {
      failedRunsSince
      alerts {
        id
        level
        message
        createdAt
        executionId
        node {
          name
        }
      }
      failedRuns {
        id
        flowName
        createdAt
        error {
          message
        }
      }
      pendingPrompts {
        id
        message
        room
        expiresAt
        executionId
        device {
          name
        }
      }
      offlineNodes {
        id
        name
        lastSeenAt
      }
    }
  }
`);

export const MarkAttentionSeenMutation = graphql(`
  mutation MarkAttentionSeen {
    markAttentionSeen
  }
`);
