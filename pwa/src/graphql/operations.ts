// Every operation the PWA sends, with hand-written result types, so contract changes land in one file.
import { gql } from '@urql/core';

export type UserRole = 'ADMIN' | 'CAREGIVER' | 'VIEWER';

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: UserRole;
}

export interface LoginData {
  login:
    | { __typename: 'MutationLoginSuccess'; data: { token: string; expiresAt: string; user: SessionUser } }
    | { __typename: 'InvalidCredentialsError'; message: string }
    | { __typename: 'InvalidInputError'; message: string };
}

export const LoginMutation = gql<LoginData, { email: string; password: string }>`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      __typename
      ... on MutationLoginSuccess {
        data {
          token
          expiresAt
          user {
            id
            email
            name
            role
          }
        }
      }
      ... on InvalidCredentialsError {
        message
      }
      ... on InvalidInputError {
        message
      }
    }
  }
`;

export const LogoutMutation = gql<{ logout: boolean }, Record<string, never>>`
  mutation Logout {
    logout
  }
`;

export interface ViewerData {
  viewer: ({ __typename: 'User' } & SessionUser) | { __typename: 'ApiClient' | 'Device' };
}

export const ViewerQuery = gql<ViewerData, Record<string, never>>`
  query Viewer {
    viewer {
      __typename
      ... on User {
        id
        email
        name
        role
      }
    }
  }
`;

export interface FlowSummary {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  version: number;
  stepCount: number;
  updatedAt: string;
}

export interface FlowsData {
  flows: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: Array<{ node: FlowSummary }>;
  };
}

export const FlowsQuery = gql<FlowsData, { first?: number; after?: string | null }>`
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
`;
