import {
  Client,
  cacheExchange,
  fetchExchange,
  mapExchange,
  subscriptionExchange,
  type CombinedError,
} from '@urql/core';
import { createClient as createWsClient } from 'graphql-ws';

export interface KinflowClientOptions {
  getToken: () => string | null;
  /** Called when the server no longer accepts the token. */
  onUnauthenticated: () => void;
}

export interface KinflowClient {
  client: Client;
  /** Closes the WebSocket; the client is unusable afterwards. */
  dispose: () => void;
}

export function isUnauthenticated(error: CombinedError): boolean {
  if (error.response instanceof Response && error.response.status === 401) return true;
  return error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
}

const authHeaders = (token: string | null): Record<string, string> =>
  token ? { authorization: `Bearer ${token}` } : {};

/**
 * One client per session: signing out throws the whole client away, so no cached data outlives the
 * person who was allowed to see it.
 */
export function createKinflowClient({ getToken, onUnauthenticated }: KinflowClientOptions): KinflowClient {
  const wsUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`;
  const ws = createWsClient({
    url: wsUrl,
    lazy: true,
    connectionParams: () => authHeaders(getToken()),
    on: {
      closed: (event) => {
        // graphql-ws closes with 4401/4403 when the server refuses the connection's credentials.
        const code = (event as CloseEvent | undefined)?.code;
        if (code === 4401 || code === 4403) onUnauthenticated();
      },
    },
  });

  const client = new Client({
    url: '/graphql',
    preferGetMethod: false,
    fetchOptions: () => ({ headers: authHeaders(getToken()) }),
    exchanges: [
      cacheExchange,
      mapExchange({
        onError(error) {
          if (isUnauthenticated(error)) onUnauthenticated();
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              return { unsubscribe: ws.subscribe(input, sink) };
            },
          };
        },
      }),
    ],
  });

  return { client, dispose: () => void ws.dispose() };
}
