import { randomUUID } from 'node:crypto';

/**
 * What another instance must re-read: the trigger indexes built from a flow, a webhook step's token
 * hash, or a node in the telemetry directory. Only ids travel; every instance re-reads the database,
 * which stays the truth, so a lost or reordered message cannot leave wrong data behind for longer
 * than the next change.
 */
export type CacheInvalidation =
  | { kind: 'flow'; flowId: string }
  | { kind: 'webhook'; flowId: string; stepKey: string }
  | { kind: 'node'; nodeId: string };

export interface InvalidationMessage {
  /** The sending instance, which already updated its own caches. */
  origin: string;
  message: CacheInvalidation;
}

/** The slice of the GraphQL pubsub the relay uses (the `invalidate` topic). */
export interface InvalidationChannel {
  publish(topic: 'invalidate', payload: InvalidationMessage): void;
  subscribe(topic: 'invalidate'): AsyncIterable<InvalidationMessage> & {
    return?(): Promise<unknown>;
  };
}

/** Where local changes are heard and where remote ones are applied. */
export interface InvalidationParticipants {
  flows: { onChange(listener: (flowId: string) => void): () => unknown };
  triggers: { syncFlow(flowId: string): void };
  webhooks: {
    onIssued(listener: (flowId: string, stepKey: string) => void): () => unknown;
    reload(flowId: string, stepKey: string): void;
  };
  nodes: {
    onNodeChanged(listener: (nodeId: string) => void): () => unknown;
    refreshNode(nodeId: string): Promise<void>;
  };
  onError?: (error: unknown) => void;
}

/**
 * Sends this instance's flow, webhook-token and node changes to every other instance (REDIS_URL) and
 * applies theirs here, so the in-process caches kept current by local hooks follow changes made
 * anywhere. Returns the function that stops it.
 */
export function relayCacheInvalidation(
  channel: InvalidationChannel,
  participants: InvalidationParticipants,
  origin: string = randomUUID(),
): () => Promise<void> {
  const report = participants.onError ?? ((error) => console.error('cache invalidation:', error));
  const send = (message: CacheInvalidation) => channel.publish('invalidate', { origin, message });
  const unsubscribe = [
    participants.flows.onChange((flowId) => send({ kind: 'flow', flowId })),
    participants.webhooks.onIssued((flowId, stepKey) => send({ kind: 'webhook', flowId, stepKey })),
    participants.nodes.onNodeChanged((nodeId) => send({ kind: 'node', nodeId })),
  ];
  const incoming = channel.subscribe('invalidate');
  void (async () => {
    for await (const { origin: from, message } of incoming) {
      if (from === origin) continue;
      try {
        await apply(participants, message);
      } catch (error) {
        report(error);
      }
    }
  })();
  return async () => {
    for (const stop of unsubscribe) stop();
    await incoming.return?.();
  };
}

async function apply(participants: InvalidationParticipants, message: CacheInvalidation): Promise<void> {
  switch (message.kind) {
    case 'flow':
      participants.triggers.syncFlow(message.flowId);
      return;
    case 'webhook':
      participants.webhooks.reload(message.flowId, message.stepKey);
      return;
    case 'node':
      await participants.nodes.refreshNode(message.nodeId);
      return;
  }
}
