import type { ResponseFormat } from './answer.js';

/** Keys the seed includes as context when `includeContext` is empty and they are present. */
export const DEFAULT_CONTEXT_KEYS = ['person_detections', 'vision_response'];

function lookup(data: Readonly<Record<string, unknown>>, path: string): unknown {
  let value: unknown = data;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export interface PromptParts {
  prompt: string;
  specialInstructions?: string;
  includeContext: string[];
  format: ResponseFormat;
  schema?: Record<string, unknown>;
  /** Whether the server enforces the schema itself (structured outputs); else the prompt states it. */
  schemaEnforced: boolean;
}

/**
 * The user message, as the seed builds it: special instructions, then the context keys (pipeline data,
 * as JSON), then the prompt, then what shape the answer must have. Keys that are absent are left out.
 */
export function composePrompt(parts: PromptParts, data: Readonly<Record<string, unknown>>): string {
  const sections: string[] = [];
  if (parts.specialInstructions?.trim()) sections.push(parts.specialInstructions.trim());
  const keys = parts.includeContext.length ? parts.includeContext : DEFAULT_CONTEXT_KEYS;
  const context = keys.flatMap((key) => {
    const value = lookup(data, key);
    if (value === undefined) return [];
    return [`${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`];
  });
  if (context.length) sections.push(`Context:\n${context.join('\n')}`);
  sections.push(parts.prompt);
  if (parts.format === 'json_schema' && parts.schema && !parts.schemaEnforced) {
    sections.push(
      `Answer with one JSON value only, no prose and no Markdown, matching this JSON Schema:\n${JSON.stringify(parts.schema)}`,
    );
  } else if (parts.format !== 'text') {
    sections.push('Answer with one JSON value only, no prose and no Markdown.');
  }
  return sections.join('\n\n');
}

/** The seed's rule: a JSON answer saying no notification is needed suppresses the following notification. */
export function suppressesNotification(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>).is_notification_needed === false
  );
}
