import { graphql, type ResultOf } from '../../shared/graphql/graphql';

export const LoginMutation = graphql(`
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
`);

export const LogoutMutation = graphql(`
  mutation Logout {
    logout
  }
`);

export const ViewerQuery = graphql(`
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
`);

type Viewer = ResultOf<typeof ViewerQuery>['viewer'];
export type SessionUser = Extract<Viewer, { __typename: 'User' }>;
export type UserRole = SessionUser['role'];
