import { stepId, type TriggerFire } from './fire.js';
import type { TriggerState } from './trigger-steps.js';
import type { LimiterStore } from '../scaleout/limiter-store.js';
import { WebhookRateLimiter, type RateLimits } from './webhook-limits.js';
import {
  hashWebhookToken,
  isWellFormedWebhookToken,
  rotateWebhookToken,
  verifyWebhookSecret,
  type WebhookSecret,
} from './webhook-token.js';

interface StoredSecret {
  hash: string;
  previousHash?: string;
  previousValidUntil?: string;
}

interface Entry {
  flowId: string;
  stepKey: string;
  secret: WebhookSecret;
}

export interface WebhookRequest {
  method: string;
  body: unknown;
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[] | undefined>;
  /** The caller's address: the rate-limit key for tokens that match nothing. */
  client: string;
}

export type WebhookOutcome =
  | { kind: 'fire'; fire: TriggerFire }
  | { kind: 'not_found' }
  | { kind: 'rate_limited'; retryAfterMs: number };

export interface WebhookTriggersOptions {
  state: TriggerState;
  clock: () => Date;
  /** Every URL's limits unless its step has its own (KINFLOW_WEBHOOK_RATE_PER_MINUTE / _BURST). */
  rateLimit?: Partial<RateLimits>;
  /** Where the counters live: this process by default, Redis (cluster-wide) when REDIS_URL is set. */
  limiterStore?: LimiterStore;
}

const stateKey = (stepKey: string) => `$webhook.${stepKey}`;

/**
 * Webhook trigger URLs. Only a SHA-256 of each token is stored (in the flow's `$webhook.<step>`
 * state), so the URL is shown once, when it is issued or rotated. A lookup hashes the presented
 * token and finds its step in one map probe; the timing-safe comparison then confirms it. A token
 * only fires while its step is an enabled webhook trigger of an enabled flow; a flow switched off
 * and on again keeps its URL.
 */
export class WebhookTriggers {
  private readonly entries = new Map<string, Entry>();
  private readonly byHash = new Map<string, string>();
  private readonly active = new Map<string, { includeHeaders: string[]; rateLimit: Partial<RateLimits> }>();
  private readonly limiter: WebhookRateLimiter;
  private readonly issuedListeners = new Set<(flowId: string, stepKey: string) => void>();

  constructor(private readonly options: WebhookTriggersOptions) {
    this.limiter = new WebhookRateLimiter(options.rateLimit, options.limiterStore);
    for (const { flowId, key, value } of options.state.all<StoredSecret>('$webhook.')) {
      this.index({ flowId, stepKey: key.slice('$webhook.'.length), secret: fromStored(value) });
    }
  }

  /** The webhook steps of a flow that may fire now (none when the flow is disabled). */
  saveFlow(
    flowId: string,
    steps: ReadonlyArray<{ stepKey: string; includeHeaders: string[]; rateLimit?: Partial<RateLimits> }>,
  ): void {
    for (const id of [...this.active.keys()]) if (id.startsWith(stepId(flowId, ''))) this.active.delete(id);
    for (const step of steps) {
      this.active.set(stepId(flowId, step.stepKey), {
        includeHeaders: step.includeHeaders.map((name) => name.toLowerCase()),
        rateLimit: step.rateLimit ?? {},
      });
    }
  }

  deleteFlow(flowId: string): void {
    this.saveFlow(flowId, []);
    for (const [id, entry] of [...this.entries]) if (entry.flowId === flowId) this.unindex(id);
  }

  /**
   * Issues a new token for a step, replacing the old one; the old one keeps working for `graceMs`.
   * The caller checks that the step exists and is a webhook trigger.
   */
  issue(flowId: string, stepKey: string, graceMs = 0): { token: string; previousValidUntil: Date | null } {
    const id = stepId(flowId, stepKey);
    const current = this.entries.get(id);
    const now = this.options.clock();
    const { token, secret } = rotateWebhookToken(current?.secret ?? { hash: '' }, now, current ? graceMs : 0);
    if (current) this.unindex(id);
    this.index({ flowId, stepKey, secret });
    // A fresh URL starts with a full budget; a failed reset only means the old window runs out.
    this.limiter.reset(id, this.active.get(id)?.rateLimit).catch(() => undefined);
    this.options.state.set(flowId, stateKey(stepKey), toStored(secret), now);
    for (const listener of this.issuedListeners) listener(flowId, stepKey);
    return { token, previousValidUntil: secret.previousValidUntil ?? null };
  }

  /** After a token was issued or rotated here (other instances `reload` it). */
  onIssued(listener: (flowId: string, stepKey: string) => void): () => void {
    this.issuedListeners.add(listener);
    return () => this.issuedListeners.delete(listener);
  }

  /** Re-reads a step's stored token hash, after another instance issued or rotated it. */
  reload(flowId: string, stepKey: string): void {
    const id = stepId(flowId, stepKey);
    this.unindex(id);
    const stored = this.options.state.get<StoredSecret>(flowId, stateKey(stepKey));
    if (stored) this.index({ flowId, stepKey, secret: fromStored(stored) });
  }

  hasToken(flowId: string, stepKey: string): boolean {
    return this.entries.has(stepId(flowId, stepKey));
  }

  async receive(token: string, request: WebhookRequest): Promise<WebhookOutcome> {
    const id = isWellFormedWebhookToken(token) ? this.byHash.get(hashWebhookToken(token)) : undefined;
    const entry = id ? this.entries.get(id) : undefined;
    const step = id ? this.active.get(id) : undefined;
    const now = this.options.clock();
    if (!id || !entry || !step || !verifyWebhookSecret(token, entry.secret, now)) {
      // Guessing costs the guesser too: unknown tokens share a bucket per client address.
      const limited = await this.limiter.take(`client:${request.client}`);
      return limited.allowed
        ? { kind: 'not_found' }
        : { kind: 'rate_limited', retryAfterMs: limited.retryAfterMs };
    }
    const limited = await this.limiter.take(id, step.rateLimit);
    if (!limited.allowed) return { kind: 'rate_limited', retryAfterMs: limited.retryAfterMs };
    const headers: Record<string, string> = {};
    for (const name of step.includeHeaders) {
      const value = request.headers[name];
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return {
      kind: 'fire',
      fire: {
        flowId: entry.flowId,
        triggerStepKey: entry.stepKey,
        triggerType: 'webhook',
        payload: {
          method: request.method,
          body: request.body,
          query: request.query,
          headers,
          received_at: now.toISOString(),
        },
      },
    };
  }

  private index(entry: Entry): void {
    const id = stepId(entry.flowId, entry.stepKey);
    this.entries.set(id, entry);
    if (entry.secret.hash) this.byHash.set(entry.secret.hash, id);
    if (entry.secret.previousHash) this.byHash.set(entry.secret.previousHash, id);
  }

  private unindex(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.byHash.delete(entry.secret.hash);
    if (entry.secret.previousHash) this.byHash.delete(entry.secret.previousHash);
    this.entries.delete(id);
  }
}

function toStored(secret: WebhookSecret): StoredSecret {
  return {
    hash: secret.hash,
    ...(secret.previousHash && { previousHash: secret.previousHash }),
    ...(secret.previousValidUntil && { previousValidUntil: secret.previousValidUntil.toISOString() }),
  };
}

function fromStored(stored: StoredSecret): WebhookSecret {
  return {
    hash: stored.hash,
    ...(stored.previousHash && { previousHash: stored.previousHash }),
    ...(stored.previousValidUntil && { previousValidUntil: new Date(stored.previousValidUntil) }),
  };
}
