import { graphql, type ResultOf } from '../../shared/graphql/graphql';

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
      locale
      voiceName
      voiceRate
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

export const UpdateTablet = graphql(`
  mutation UpdateTablet($id: ID!, $input: DeviceSettingsInput!) {
    updateDevice(id: $id, input: $input) {
      __typename
      ... on Error {
        message
      }
      ... on InvalidInputError {
        issues {
          field
          message
        }
      }
      ... on MutationUpdateDeviceSuccess {
        data {
          id
          name
          room
          person
          locale
          voiceName
          voiceRate
        }
      }
    }
  }
`);

export const InfoCardFields = graphql(`
  fragment InfoCardFields on InfoCard {
    id
    title
    body
    bodyHtml
    imageUrl
    imageAlt
    approved
    updatedAt
  }
`);

export const InfoCardsQuery = graphql(
  `
    query InfoCards {
      infoCards(first: 100) {
        edges {
          node {
            ...InfoCardFields
          }
        }
      }
    }
  `,
  [InfoCardFields],
);

export const InfoCardQuery = graphql(
  `
    query InfoCard($id: ID!) {
      node(id: $id) {
        __typename
        ...InfoCardFields
      }
    }
  `,
  [InfoCardFields],
);

export const CreateInfoCard = graphql(
  `
    mutation CreateInfoCard($input: InfoCardInput!) {
      createInfoCard(input: $input) {
        __typename
        ... on Error {
          message
        }
        ... on InvalidInputError {
          issues {
            field
            message
          }
        }
        ... on MutationCreateInfoCardSuccess {
          data {
            ...InfoCardFields
          }
        }
      }
    }
  `,
  [InfoCardFields],
);

export const UpdateInfoCard = graphql(
  `
    mutation UpdateInfoCard($id: ID!, $input: InfoCardInput!) {
      updateInfoCard(id: $id, input: $input) {
        __typename
        ... on Error {
          message
        }
        ... on InvalidInputError {
          issues {
            field
            message
          }
        }
        ... on MutationUpdateInfoCardSuccess {
          data {
            ...InfoCardFields
          }
        }
      }
    }
  `,
  [InfoCardFields],
);

export const ApproveInfoCard = graphql(
  `
    mutation ApproveInfoCard($id: ID!, $approved: Boolean!) {
      approveInfoCard(id: $id, approved: $approved) {
        __typename
        ... on Error {
          message
        }
        ... on MutationApproveInfoCardSuccess {
          data {
            ...InfoCardFields
          }
        }
      }
    }
  `,
  [InfoCardFields],
);

export type InfoCardItem = ResultOf<typeof InfoCardFields>;
export type TabletItem = ResultOf<typeof TabletsQuery>['devices'][number];
