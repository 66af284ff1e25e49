import type { EntityManager } from '@mikro-orm/better-sqlite';
import { Device, Flow, GatewayNode } from '../db/entities/index.js';
import type { StepTypeRegistry } from '../steps/registry.js';
import type { StepReference } from '../steps/step-type.js';
import type { ValidationIssue } from './errors.js';

/**
 * References in step configs (a node, a flow, a tablet) are accepted as the object's global ID, its
 * unique name, or its database id, and stored as the database id: the one form the runtime compares
 * with (trigger runtime, for_each_node, command, trigger_flow), which configs saved before this rule
 * already used. The API shows them as global IDs again (graphql/flow-types.ts). `flowName` keeps the
 * name, since a flow is meant to be found by name, but it must name an existing flow.
 */

const TYPENAMES: Record<StepReference['entity'], string> = {
  node: 'GatewayNode',
  flow: 'Flow',
  device: 'Device',
};
const ENTITY_WORDS: Record<StepReference['entity'], string> = {
  node: 'node',
  flow: 'flow',
  device: 'tablet',
};

/** `{{ … }}` or a HALO `{node_id}` placeholder: only known when the step runs. */
const TEMPLATED = /\{\{|\{[a-z_]+\}/;

/** Decodes `base64("Type:id")` (the Relay global ID format Pothos uses) when it has this typename. */
export function idFromGlobalId(value: string, typename: string): string | undefined {
  if (!/^[A-Za-z0-9+/]+=*$/.test(value)) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const prefix = `${typename}:`;
  return decoded.startsWith(prefix) && decoded.length > prefix.length
    ? decoded.slice(prefix.length)
    : undefined;
}

export function toGlobalId(typename: string, id: string): string {
  return Buffer.from(`${typename}:${id}`, 'utf8').toString('base64');
}

/** Typenames of referenced objects, for the API's output mapping. */
export const referenceTypename = (entity: StepReference['entity']) => TYPENAMES[entity];

interface Draft {
  key: string;
  type: string;
  config?: unknown;
}

/**
 * Resolves every declared reference of the drafts' own configs. Returns the configs with references
 * in stored form, and an `unknown_reference` issue naming the step and field for each that does not
 * resolve.
 */
export async function resolveReferences<T extends Draft>(
  em: EntityManager,
  registry: StepTypeRegistry,
  drafts: T[],
): Promise<{ drafts: T[]; issues: ValidationIssue[] }> {
  const issues: ValidationIssue[] = [];
  const cache = new Map<string, string | null>();
  const resolved: T[] = [];
  for (const draft of drafts) {
    const references = registry.get(draft.type)?.references ?? [];
    const own = draft.config;
    if (!references.length || !own || typeof own !== 'object' || Array.isArray(own)) {
      resolved.push(draft);
      continue;
    }
    const config = structuredClone(own) as Record<string, unknown>;
    for (const reference of references) {
      for (const slot of slotsOf(config, reference.path)) {
        const value = slot.get();
        if (typeof value !== 'string' || value === '' || TEMPLATED.test(value)) continue;
        const cacheKey = `${reference.entity}|${reference.form ?? 'id'}|${value}`;
        if (!cache.has(cacheKey)) cache.set(cacheKey, await lookup(em, reference, value));
        const id = cache.get(cacheKey);
        if (id === null || id === undefined) {
          issues.push({
            code: 'unknown_reference',
            stepKey: draft.key,
            field: `config.${slot.field}`,
            message: `step "${draft.key}": config.${slot.field}: no ${ENTITY_WORDS[reference.entity]} with ${
              reference.form === 'name' ? 'the name' : 'the ID or name'
            } "${value}"`,
          });
        } else if (reference.form !== 'name') {
          slot.set(id);
        }
      }
    }
    resolved.push({ ...draft, config });
  }
  return { drafts: resolved, issues };
}

/** The database id the value stands for, or null. */
async function lookup(em: EntityManager, reference: StepReference, value: string): Promise<string | null> {
  const fromGlobal = idFromGlobalId(value, TYPENAMES[reference.entity]);
  switch (reference.entity) {
    case 'node': {
      const node =
        (fromGlobal && (await em.findOne(GatewayNode, { id: fromGlobal }))) ||
        (await em.findOne(GatewayNode, { $or: [{ name: value }, { id: value }] }));
      return node?.id ?? null;
    }
    case 'flow': {
      if (reference.form === 'name') return (await em.findOne(Flow, { name: value }))?.id ?? null;
      const flow =
        (fromGlobal && (await em.findOne(Flow, { id: fromGlobal }))) ||
        (await em.findOne(Flow, { $or: [{ name: value }, { id: value }] }));
      return flow?.id ?? null;
    }
    case 'device': {
      if (fromGlobal) return (await em.findOne(Device, { id: fromGlobal }))?.id ?? null;
      const byId = await em.findOne(Device, { id: value });
      if (byId) return byId.id;
      // Tablet names are not unique: a name counts only when exactly one tablet carries it.
      const named = await em.find(Device, { name: value }, { limit: 2 });
      return named.length === 1 ? named[0]!.id : null;
    }
  }
}

interface Slot {
  field: string;
  get(): unknown;
  set(value: string): void;
}

/** The places a dotted path with `[]` list markers points at in a config. */
export function slotsOf(config: Record<string, unknown>, path: string): Slot[] {
  const slots: Slot[] = [];
  const walk = (holder: Record<string, unknown>, parts: string[], prefix: string) => {
    const [head, ...rest] = parts;
    if (!head) return;
    const list = head.endsWith('[]');
    const name = list ? head.slice(0, -2) : head;
    const value = holder[name];
    const field = prefix ? `${prefix}.${name}` : name;
    if (list) {
      if (!Array.isArray(value)) return;
      value.forEach((item, index) => {
        if (rest.length === 0) {
          slots.push({
            field: `${field}[${index}]`,
            get: () => value[index],
            set: (v) => (value[index] = v),
          });
        } else if (item && typeof item === 'object') {
          walk(item as Record<string, unknown>, rest, `${field}[${index}]`);
        }
      });
    } else if (rest.length === 0) {
      if (name in holder) slots.push({ field, get: () => holder[name], set: (v) => (holder[name] = v) });
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      walk(value as Record<string, unknown>, rest, field);
    }
  };
  walk(config, path.split('.'), '');
  return slots;
}

/** The config with its stored references shown as global IDs (the form the API hands out). */
export function presentReferences(
  registry: StepTypeRegistry,
  type: string,
  config: Record<string, unknown>,
): Record<string, unknown> {
  const references = (registry.get(type)?.references ?? []).filter((ref) => ref.form !== 'name');
  if (!references.length) return config;
  const shown = structuredClone(config);
  for (const reference of references) {
    const typename = TYPENAMES[reference.entity];
    for (const slot of slotsOf(shown, reference.path)) {
      const value = slot.get();
      // Only database ids (uuids) are rewritten; a template or an unresolved legacy value stays as it is.
      if (typeof value === 'string' && UUID.test(value)) slot.set(toGlobalId(typename, value));
    }
  }
  return shown;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
