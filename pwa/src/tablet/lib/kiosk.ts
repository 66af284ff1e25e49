import { print, type DocumentNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { computed, reactive, ref } from 'vue';
import {
  AcknowledgeDelivery,
  AnswerPrompt,
  DeviceFeed,
  type FeedMessage,
  type TabletDelivery,
  type TabletPrompt,
} from '../operations';
import { outbox, type QueuedAnswer } from './outbox';
import { NetworkError, request } from './request';
import { setTabletToken, tabletToken } from './session';
import { speak, stopSpeaking } from './speech';

export type Connection = 'connecting' | 'online' | 'offline';
export type Action = 'ESCALATE' | 'DISMISS';

/** What the tablet tells the senior after a tap, in words. */
export interface Confirmation {
  promptId: string;
  action: Action;
  tone: 'help' | 'okay' | 'notice';
  text: string;
}

const CONFIRMATION_MS = 8000;

/**
 * The kiosk's state: the feed (its first message is the whole state; later ones replace it), the
 * outbox of answers, speech and delivery reports. One instance per page.
 */
export function useKiosk() {
  const connection = ref<Connection>('connecting');
  const started = ref(false);
  const feed = ref<FeedMessage | null>(null);
  const clockOffsetMs = ref(0);
  const confirmation = ref<Confirmation | null>(null);
  /** Prompts answered here, hidden at once even before the server confirms. */
  const answered = reactive(new Set<string>());
  const closedDeliveries = reactive(new Set<string>());
  const spoken = new Set<string>();
  let client: Client | undefined;
  let confirmationTimer: ReturnType<typeof setTimeout> | undefined;
  let flushing: Promise<void> | undefined;

  const device = computed(() => feed.value?.device ?? null);
  const voice = computed(() => ({
    locale: device.value?.locale ?? 'en-GB',
    voiceName: device.value?.voiceName ?? null,
    rate: device.value?.voiceRate ?? 0.9,
  }));
  const now = () => Date.now() + clockOffsetMs.value;

  const prompt = computed<TabletPrompt | null>(
    () =>
      feed.value?.prompts.find(
        (p) => !answered.has(p.id) && new Date(p.expiresAt).getTime() > now() - 1000,
      ) ?? null,
  );
  const live = (d: TabletDelivery) => !closedDeliveries.has(d.id) && new Date(d.expiresAt).getTime() > now();
  const card = computed(() => feed.value?.deliveries.find((d) => d.kind === 'CARD' && live(d)) ?? null);
  const caption = computed(
    () =>
      feed.value?.deliveries.find((d) => (d.kind === 'ANNOUNCEMENT' || d.kind === 'POPUP') && live(d)) ??
      null,
  );
  const screen = computed(() =>
    confirmation.value
      ? 'confirmation'
      : prompt.value
        ? 'prompt'
        : card.value
          ? 'card'
          : caption.value
            ? 'caption'
            : 'idle',
  );

  function showConfirmation(value: Confirmation) {
    clearTimeout(confirmationTimer);
    confirmation.value = value;
    confirmationTimer = setTimeout(() => (confirmation.value = null), CONFIRMATION_MS);
  }

  function report(
    delivery: TabletDelivery,
    status: 'SPOKEN' | 'FAILED' | 'SHOWN' | 'DISMISSED',
    reason?: string,
  ) {
    request(
      AcknowledgeDelivery,
      { delivery: delivery.id, status, reason: reason ?? null },
      tabletToken.value,
    ).catch(() => {});
  }

  const reportedHere = (delivery: TabletDelivery) =>
    delivery.reports.some(
      (r) => r.deviceId === device.value?.id && (r.status === 'SPOKEN' || r.status === 'FAILED'),
    );

  /** Speaks new announcements once (not again after a reconnect) and asks new prompts aloud. */
  function speakNew(message: FeedMessage) {
    if (!started.value) return;
    for (const delivery of message.deliveries) {
      if (delivery.kind !== 'ANNOUNCEMENT' || spoken.has(delivery.id) || reportedHere(delivery)) continue;
      spoken.add(delivery.id);
      const rate = delivery.rate ?? voice.value.rate;
      speak(delivery.text ?? '', { ...voice.value, rate }).then(
        () => report(delivery, 'SPOKEN'),
        (error: Error) => report(delivery, 'FAILED', error.message),
      );
    }
    const next = prompt.value;
    if (next && !spoken.has(next.id)) {
      spoken.add(next.id);
      sayPrompt(next);
    }
  }

  function sayPrompt(p: TabletPrompt) {
    const words = `${p.voiceMessage ?? p.message} ${p.escalateText}, or ${p.dismissText}?`;
    speak(p.voiceMessage ? p.voiceMessage : words, voice.value).catch(() => {});
  }

  function onMessage(message: FeedMessage) {
    clockOffsetMs.value = new Date(message.serverTime).getTime() - Date.now();
    feed.value = message;
    // A prompt that is gone from the feed (answered elsewhere, timed out, withdrawn) leaves the screen.
    for (const id of [...answered]) if (!message.prompts.some((p) => p.id === id)) answered.delete(id);
    speakNew(message);
  }

  function connect() {
    client?.dispose();
    client = createClient({
      url: `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`,
      connectionParams: () => ({ authorization: `Bearer ${tabletToken.value}` }),
      lazy: false,
      keepAlive: 10_000,
      retryAttempts: Infinity,
      // Randomised exponential backoff, 1 s doubling to at most 15 s.
      retryWait: (retries) =>
        new Promise((resolve) =>
          setTimeout(resolve, Math.min(15_000, 1000 * 2 ** retries) * (0.5 + Math.random() / 2)),
        ),
      shouldRetry: (event) => (event as CloseEvent | undefined)?.code !== 4403,
      on: {
        connecting: () => {
          if (connection.value !== 'online') connection.value = 'connecting';
        },
        connected: () => {
          connection.value = 'online';
          void flush();
        },
        closed: (event) => {
          connection.value = 'offline';
          // 4403: the token was revoked or replaced; the tablet shows how to pair it again.
          if ((event as CloseEvent | undefined)?.code === 4403) setTabletToken(null);
        },
      },
    });
    client.subscribe<{ deviceFeed: FeedMessage }>(
      { query: print(DeviceFeed as DocumentNode) },
      {
        next: (value) => {
          if (value.data?.deviceFeed) onMessage(value.data.deviceFeed);
        },
        error: () => (connection.value = 'offline'),
        complete: () => {},
      },
    );
  }

  /** Sends one answer; true when the server settled it (accepted or refused for good). */
  async function send(answer: QueuedAnswer): Promise<{ settled: boolean; message?: string; ok?: boolean }> {
    try {
      const result = await request(
        AnswerPrompt,
        { prompt: answer.promptId, action: answer.action, answerId: answer.answerId },
        tabletToken.value,
      );
      const outcome = result.answerPrompt;
      if (outcome.__typename === 'MutationAnswerPromptSuccess') return { settled: true, ok: true };
      return { settled: true, ok: false, message: 'message' in outcome ? outcome.message : 'Not accepted.' };
    } catch (error) {
      if (error instanceof NetworkError) return { settled: false };
      return { settled: true, ok: false, message: (error as Error).message };
    }
  }

  /** Delivers queued answers, oldest first; one flush at a time so nothing is sent twice at once. */
  function flush(): Promise<void> {
    flushing ??= (async () => {
      try {
        for (const answer of await outbox.all()) {
          const result = await send(answer);
          if (!result.settled) break;
          await outbox.remove(answer.answerId);
        }
      } finally {
        flushing = undefined;
      }
    })();
    return flushing;
  }

  async function answer(p: TabletPrompt, action: Action) {
    answered.add(p.id);
    stopSpeaking();
    const queued: QueuedAnswer = {
      answerId: crypto.randomUUID(),
      promptId: p.id,
      action,
      queuedAt: Date.now(),
    };
    // Into the outbox first: if the page dies mid-request, the answer is still sent later.
    await outbox.put(queued);
    await flushing;
    const result = await send(queued);
    if (result.settled) await outbox.remove(queued.answerId);
    const help = action === 'ESCALATE';
    let text: string;
    let tone: Confirmation['tone'] = help ? 'help' : 'okay';
    if (!result.settled) {
      text = 'Thank you. Your answer is saved and will be sent as soon as the tablet is connected again.';
      tone = 'notice';
    } else if (result.ok) {
      text = help ? 'Thank you — help is on the way.' : 'Thank you — glad you are okay.';
    } else {
      text = result.message ?? 'This question has already been answered.';
      tone = 'notice';
    }
    showConfirmation({ promptId: p.id, action, tone, text });
    if (started.value) speak(text, voice.value).catch(() => {});
  }

  function closeDelivery(delivery: TabletDelivery) {
    closedDeliveries.add(delivery.id);
    if (delivery.kind === 'CARD' || delivery.kind === 'POPUP') report(delivery, 'DISMISSED');
  }

  function start() {
    started.value = true;
    if (feed.value) speakNew(feed.value);
  }

  const onOnline = () => void flush();
  const retryTimer = setInterval(() => void flush(), 5000);

  function open() {
    window.addEventListener('online', onOnline);
    connect();
    void flush();
  }

  function close() {
    window.removeEventListener('online', onOnline);
    clearInterval(retryTimer);
    clearTimeout(confirmationTimer);
    client?.dispose();
    stopSpeaking();
  }

  return {
    connection,
    started,
    feed,
    device,
    prompt,
    card,
    caption,
    screen,
    confirmation,
    now,
    open,
    close,
    start,
    answer,
    sayPrompt,
    closeDelivery,
    report,
    dismissConfirmation: () => (confirmation.value = null),
  };
}

export type Kiosk = ReturnType<typeof useKiosk>;
