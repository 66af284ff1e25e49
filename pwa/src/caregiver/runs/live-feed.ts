import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { onBeforeUnmount, ref } from 'vue';
import { token } from '../../shared/auth/session';
import { ExecutionEventsSubscription, type ExecutionEvent } from './operations';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

/** The seed's rule: 3 s exponential backoff (capped), with jitter so clients do not reconnect in step. */
const BASE_DELAY_MS = 3000;
const MAX_DELAY_MS = 30_000;

export interface LiveFeedOptions {
  filter: () => { flowId?: string | null; executionId?: string | null };
  onEvent: (event: ExecutionEvent) => void;
  /** The server no longer has the events since our cursor: refetch what is shown. */
  onGap: () => void;
}

/**
 * Execution events over a WebSocket of its own, so its state can be shown. `start(cursor)` subscribes
 * after the cursor read with the shown data; after a drop it reconnects with backoff and resubscribes
 * from the last cursor it saw, so the server replays exactly what was missed — no reload, no refetch.
 * Going offline (the browser's `offline` event) drops the socket at once instead of waiting for it to
 * time out.
 */
export function useLiveFeed(options: LiveFeedOptions) {
  const state = ref<ConnectionState>('connecting');
  const retryInSeconds = ref<number | null>(null);
  let cursor: string | null = null;
  let client: Client | undefined;
  let unsubscribe: (() => void) | undefined;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  function connect(): void {
    clearTimeout(timer);
    retryInSeconds.value = null;
    state.value = 'connecting';
    client?.dispose();
    const wsUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`;
    client = createClient({
      url: wsUrl,
      lazy: false,
      retryAttempts: 0,
      keepAlive: 10_000,
      connectionParams: () => (token.value ? { authorization: `Bearer ${token.value}` } : {}),
      on: {
        connected: () => {
          attempt = 0;
          state.value = 'connected';
        },
        closed: () => dropped(),
      },
    });
    const { flowId, executionId } = options.filter();
    unsubscribe = client.subscribe(
      {
        query: print(ExecutionEventsSubscription),
        variables: { flowId: flowId ?? null, executionId: executionId ?? null, after: cursor },
      },
      {
        next: (message) => {
          const item = (message.data as { pipelineExecutionEvents?: { __typename: string } } | undefined)
            ?.pipelineExecutionEvents;
          if (!item) return;
          if (item.__typename === 'ReplayUnavailable') return options.onGap();
          const event = item as ExecutionEvent;
          if (event.cursor) cursor = event.cursor;
          options.onEvent(event);
        },
        error: () => dropped(),
        complete: () => undefined,
      },
    );
  }

  function dropped(): void {
    if (stopped || state.value === 'disconnected') return;
    state.value = 'disconnected';
    unsubscribe?.();
    client?.terminate();
    const delay = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt) * (0.8 + Math.random() * 0.4);
    attempt += 1;
    retryInSeconds.value = Math.round(delay / 1000);
    timer = setTimeout(connect, delay);
  }

  const goneOffline = () => dropped();
  // Back online: no point waiting out the backoff.
  const backOnline = () => {
    if (state.value === 'disconnected') connect();
  };
  window.addEventListener('offline', goneOffline);
  window.addEventListener('online', backOnline);

  onBeforeUnmount(() => {
    stopped = true;
    clearTimeout(timer);
    window.removeEventListener('offline', goneOffline);
    window.removeEventListener('online', backOnline);
    unsubscribe?.();
    void client?.dispose();
  });

  return {
    state,
    retryInSeconds,
    /** (Re)starts the feed after `from`, the cursor read together with the shown data. */
    start(from: string | null): void {
      cursor = from;
      attempt = 0;
      connect();
    },
  };
}
