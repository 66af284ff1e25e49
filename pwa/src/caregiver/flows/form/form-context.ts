import type { ComputedRef, InjectionKey } from 'vue';

export interface Option {
  value: string;
  label: string;
}

/** What fields of a step's form may need besides the schema: names to pick from, data keys, messages. */
export interface FormContext {
  stepType: string;
  dataKeys: ComputedRef<string[]>;
  nodes: ComputedRef<Option[]>;
  devices: ComputedRef<Option[]>;
  metrics: ComputedRef<string[]>;
  /** Messages by field path (`config.message`), from the browser's check and from the server. */
  errors: ComputedRef<Map<string, string[]>>;
  config: () => Record<string, unknown>;
}

export const FORM: InjectionKey<FormContext> = Symbol('form');

export type Schema = Record<string, unknown> & {
  type?: string | string[];
  enum?: unknown[];
  description?: string;
  default?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  maxLength?: number;
  additionalProperties?: unknown;
};

/** "countdownSeconds" → "Countdown seconds": a heading for a field the schema does not title. */
export function titleOf(name: string, schema: Schema): string {
  if (typeof schema.title === 'string') return schema.title;
  // Pickers show names, so their labels do not say "ID".
  if (name === 'nodeId') return 'Node';
  if (name === 'deviceId') return 'Tablet';
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1).replace(/\bid\b/, 'ID');
}

export function kindOf(schema: Schema): string {
  if (Array.isArray(schema.enum)) return 'enum';
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'object' && !schema.properties) return 'json';
  return type ?? 'json';
}
