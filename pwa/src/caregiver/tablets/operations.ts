import { graphql } from '../../shared/graphql/graphql';

export const TabletsQuery = graphql(`
  query Tablets {
    devices {
      id
      name
      room
      person
      online
      lastSeenAt
      revokedAt
    }
    pendingPrompts(first: 50) {
      edges {
        node {
          id
          message
          escalateText
          dismissText
          expiresAt
          room
          device {
            name
          }
        }
      }
    }
  }
`);

export const CreateTablet = graphql(`
  mutation CreateTablet($name: String!, $room: String, $person: String) {
    createDevice(name: $name, room: $room, person: $person) {
      __typename
      ... on Error {
        message
      }
      ... on MutationCreateDeviceSuccess {
        data {
          device {
            id
          }
        }
      }
    }
  }
`);

export const PairTablet = graphql(`
  mutation PairTablet($device: ID!) {
    createDevicePairing(device: $device) {
      __typename
      ... on Error {
        message
      }
      ... on MutationCreateDevicePairingSuccess {
        data {
          code
          url
          qrSvg
          expiresAt
        }
      }
    }
  }
`);

export const RevokeTablet = graphql(`
  mutation RevokeTablet($id: ID!) {
    revokeDevice(id: $id) {
      __typename
    }
  }
`);

export const AnswerOnBehalf = graphql(`
  mutation AnswerOnBehalf($prompt: ID!, $action: PromptAction!, $answerId: String!) {
    answerPrompt(prompt: $prompt, action: $action, answerId: $answerId) {
      __typename
      ... on Error {
        message
      }
    }
  }
`);
