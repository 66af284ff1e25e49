import { print, type DocumentNode } from 'graphql';
import type { TadaDocumentNode } from 'gql.tada';

/** Thrown when the request never got an answer (offline, server down): the caller may retry. */
export class NetworkError extends Error {
  override name = 'NetworkError';
}

/**
 * One GraphQL request over HTTP with the tablet's token. Mutations go over HTTP, not the feed's
 * socket, so a failure is known at once and the answer can go to the outbox.
 */
export async function request<Result, Variables>(
  document: TadaDocumentNode<Result, Variables>,
  variables: Variables,
  token: string | null,
): Promise<Result> {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token && { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify({ query: print(document as DocumentNode), variables }),
    });
  } catch (error) {
    throw new NetworkError((error as Error).message);
  }
  if (response.status >= 500) throw new NetworkError(`server answered ${response.status}`);
  const json = (await response.json()) as { data?: Result; errors?: Array<{ message: string }> };
  if (!json.data) throw new Error(json.errors?.[0]?.message ?? `request failed (${response.status})`);
  return json.data;
}
