import { z } from 'zod';
import type { StepServices } from '../actions/services.js';
import type { AlertLevel } from '../db/entities/index.js';

/** What a notification says, before a channel shapes it for its medium. */
export interface ChannelMessage {
  /** The rendered text: the channel's own template, else the step's message. */
  text: string;
  title: string;
  level: AlertLevel;
  nodeId: string | null;
  flowName: string;
  executionId: string;
  stepKey: string;
  /** ISO time the message was composed. */
  sentAt: string;
}

export interface ChannelContext {
  services: StepServices;
  signal: AbortSignal;
  timeoutMs: number;
}

/** One channel's outcome as the notification step reports it. */
export interface ChannelResult {
  channel: string;
  delivered: boolean;
  reason?: 'not_configured' | 'failed' | 'dry_run' | 'disabled' | 'suppressed';
  error?: string;
  /** In a dry run (testStep): what would have been sent. */
  wouldSend?: unknown;
  [extra: string]: unknown;
}

/**
 * A delivery channel plug-in: one file per channel in this folder, discovered by the registry.
 * `configSchema` must be a strict object with `type: z.literal(<type>)`; the notification step builds
 * its per-channel config from the union of all of them.
 */
export type AnyObjectSchema = z.ZodObject<z.core.$ZodShape, z.core.$ZodObjectConfig>;

export interface ChannelDefinition<Schema extends AnyObjectSchema = AnyObjectSchema> {
  type: string;
  title: string;
  description: string;
  configSchema: Schema;
  /** False when a required setting (a URL …) is missing: reported as `not_configured`, not as success. */
  configured(settings: z.output<Schema>): boolean;
  /** The payload the channel sends (a JSON body, an alert …); also what a dry run reports. */
  payload(message: ChannelMessage, settings: z.output<Schema>): unknown;
  /** Sends the payload; throws on failure. Returns extra facts for the step output (status, alert id). */
  deliver(
    payload: unknown,
    settings: z.output<Schema>,
    context: ChannelContext,
  ): Promise<Record<string, unknown>> | Record<string, unknown>;
}

export function defineChannel<Schema extends AnyObjectSchema>(
  definition: ChannelDefinition<Schema>,
): ChannelDefinition<Schema> {
  return definition;
}

/** Fields every channel config has besides its `type`. */
export const channelBase = {
  enabled: z.boolean().default(true).describe('Turn this channel off without removing its settings'),
  template: z
    .string()
    .max(4000)
    .optional()
    .describe('Message for this channel only ({{ … }} and {node_name} work); the step message when empty'),
};

/** A webhook URL setting; empty means "not configured" rather than invalid, so drafts can be saved. */
/** The URL is the credential (anyone holding it can post), so it is write-only and sealed at rest. */
export const webhookUrl = (description: string) =>
  z.string().max(2000).default('').meta({ description, writeOnly: true });
