import { graphql, type ResultOf } from '../shared/graphql/graphql';

export const DeviceFeed = graphql(`
  subscription DeviceFeed {
    deviceFeed {
      kind
      itemId
      serverTime
      device {
        id
        name
        room
        person
        locale
        voiceName
        voiceRate
      }
      prompts {
        id
        message
        voiceMessage
        escalateText
        dismissText
        countdownSeconds
        expiresAt
      }
      deliveries {
        id
        kind
        text
        rate
        dismissSeconds
        expiresAt
        createdAt
        reports {
          deviceId
          status
        }
        card {
          id
          title
          bodyHtml
          imageUrl
          imageAlt
        }
      }
    }
  }
`);

export const AnswerPrompt = graphql(`
  mutation AnswerPrompt($prompt: ID!, $action: PromptAction!, $answerId: String!) {
    answerPrompt(prompt: $prompt, action: $action, answerId: $answerId) {
      __typename
      ... on Error {
        code
        message
      }
      ... on MutationAnswerPromptSuccess {
        data {
          id
          status
        }
      }
    }
  }
`);

export const AcknowledgeDelivery = graphql(`
  mutation AcknowledgeDelivery($delivery: ID!, $status: DeliveryReportStatus!, $reason: String) {
    acknowledgeDelivery(delivery: $delivery, status: $status, reason: $reason) {
      __typename
    }
  }
`);

export const PairDevice = graphql(`
  mutation PairDevice($code: String!) {
    pairDevice(code: $code) {
      __typename
      ... on Error {
        message
      }
      ... on MutationPairDeviceSuccess {
        data {
          token
        }
      }
    }
  }
`);

export type FeedMessage = ResultOf<typeof DeviceFeed>['deviceFeed'];
export type TabletPrompt = FeedMessage['prompts'][number];
export type TabletDelivery = FeedMessage['deliveries'][number];
export type TabletSettings = FeedMessage['device'];
