import type { ComputedRef, InjectionKey } from 'vue';

export interface Option {
  value: string;
  label: string;
  /** The object's own name when `label` says more (a tablet's room); by-name fields store this. */
  name?: string;
}

/** What a config field that names another object declares (the server's `x-reference` annotation). */
export interface Reference {
  entity: 'node' | 'flow' | 'device';
  /** `id`: the field holds the object's global ID; `name`: it holds the name. */
  form: 'id' | 'name';
}

/** What fields of a step's form may need besides the schema: names to pick from, data keys, messages. */
export interface FormContext {
  stepType: string;
  dataKeys: ComputedRef<string[]>;
  /** Objects a reference field may name, by entity; `value` is the global ID, `label` the name. */
  choices: (entity: Reference['entity']) => Option[];
  metrics: ComputedRef<string[]>;
  /** Values the step inherits from its action template, shown as placeholders of empty fields. */
  inherited: () => Record<string, unknown>;
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
  // Pickers show names, so their labels say what is picked, not "ID" or "name".
  const reference = referenceOf(schema) ?? referenceOf(schema.items);
  if (reference) return `${ENTITY_TITLE[reference.entity]}${referenceOf(schema.items) ? 's' : ''}`;
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

const ENTITY_TITLE: Record<Reference['entity'], string> = { node: 'Node', flow: 'Flow', device: 'Tablet' };

export function referenceOf(schema: Schema | undefined): Reference | null {
  const mark = schema?.['x-reference'] as Partial<Reference> | undefined;
  if (!mark || !mark.entity) return null;
  return { entity: mark.entity, form: mark.form === 'name' ? 'name' : 'id' };
}

/**
 * An ID reference next to a by-name one for the same kind of object (trigger_flow's `flowId` beside
 * `flowName`) asks the same question twice: the form shows it only while it holds a value.
 */
export function isRedundant(
  properties: Record<string, Schema> | undefined,
  name: string,
  value: unknown,
): boolean {
  const reference = referenceOf(properties?.[name]);
  if (!reference || reference.form !== 'id' || (value !== undefined && value !== '')) return false;
  return Object.entries(properties ?? {}).some(([other, schema]) => {
    const sibling = referenceOf(schema);
    return other !== name && sibling?.entity === reference.entity && sibling.form === 'name';
  });
}
