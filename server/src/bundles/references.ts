import type { EntityManager } from '@mikro-orm/better-sqlite';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { Device, Flow, GatewayNode } from '../db/entities/index.js';
import type { ReferenceKind } from './format.js';
import { valueAt, type Path } from './secrets.js';

/**
 * Config fields that point at things outside the flow. In the database they hold ids (or, where a
 * step accepts them, global IDs or names); in a bundle they hold the thing's stable name.
 * `many` marks a list of references. Steps not listed refer to nothing outside.
 */
const REFERENCE_FIELDS: Record<string, Array<{ path: Path; kind: ReferenceKind; many?: boolean }>> = {
  alert: [{ path: ['nodeId'], kind: 'node' }],
  command: [{ path: ['nodeId'], kind: 'node' }],
  notification: [{ path: ['nodeId'], kind: 'node' }],
  webhook_out: [{ path: ['nodeId'], kind: 'node' }],
  node_event: [{ path: ['nodeId'], kind: 'node' }],
  sensor_value: [{ path: ['nodeId'], kind: 'node' }],
  for_each_node: [{ path: ['selector', 'ids'], kind: 'node', many: true }],
  interactive_prompt: [{ path: ['deviceId'], kind: 'device' }],
  tts_announcement: [{ path: ['deviceId'], kind: 'device' }],
  info_card: [{ path: ['deviceId'], kind: 'device' }],
  trigger_flow: [
    { path: ['flowName'], kind: 'flow' },
    { path: ['flowId'], kind: 'flow' },
  ],
};

export interface ReferenceSite {
  kind: ReferenceKind;
  /** Path of the single value inside the config (an index for one entry of a `many` list). */
  path: Path;
  value: string;
}

/** A value rendered at run time (`{{ trigger.node.id }}`, `{node_id}`) is not a fixed reference. */
const isTemplated = (value: string) => value.includes('{{') || /\{[a-z_]+\}/.test(value);

/** The fixed references in one step config, including those inside for_each_node's action. */
export function referenceSites(
  type: string,
  config: Record<string, unknown>,
  prefix: Path = [],
): ReferenceSite[] {
  const sites: ReferenceSite[] = [];
  for (const field of REFERENCE_FIELDS[type] ?? []) {
    const value = valueAt(config, field.path);
    const values: Array<[Path, unknown]> =
      field.many && Array.isArray(value)
        ? value.map((item, index) => [[...field.path, index], item])
        : [[field.path, value]];
    for (const [path, item] of values) {
      if (typeof item === 'string' && item && !isTemplated(item)) {
        sites.push({ kind: field.kind, path: [...prefix, ...path], value: item });
      }
    }
  }
  if (type === 'for_each_node') {
    const action = config.action as { type?: unknown; config?: unknown } | undefined;
    if (typeof action?.type === 'string' && action.config && typeof action.config === 'object') {
      sites.push(
        ...referenceSites(action.type, action.config as Record<string, unknown>, [
          ...prefix,
          'action',
          'config',
        ]),
      );
    }
  }
  return sites;
}

interface Named {
  id: string;
  name: string;
}

const ENTITY = { node: GatewayNode, device: Device, flow: Flow } as const;
const TYPENAME = { node: 'GatewayNode', device: 'Device', flow: 'Flow' } as const;

/**
 * Looks things up by id, global ID or name, once each per bundle. Names are what bundles carry;
 * a name two devices share is ambiguous and resolves to nothing.
 */
export class ReferenceResolver {
  private readonly cache = new Map<string, Promise<Named[]>>();

  constructor(private readonly em: EntityManager) {}

  /** What a stored value points at (for export): by id, then global ID, then name. */
  async byStoredValue(kind: ReferenceKind, value: string): Promise<Named | undefined> {
    const byId = await this.find(kind, 'id', value);
    if (byId.length === 1) return byId[0];
    const decoded = decodeGlobal(value);
    if (decoded?.typename === TYPENAME[kind]) {
      const found = await this.find(kind, 'id', decoded.id);
      if (found.length === 1) return found[0];
    }
    const byName = await this.find(kind, 'name', value);
    return byName.length === 1 ? byName[0] : undefined;
  }

  /** Things of `kind` called `name` on this server (more than one for an ambiguous device name). */
  byName(kind: ReferenceKind, name: string): Promise<Named[]> {
    return this.find(kind, 'name', name);
  }

  private find(kind: ReferenceKind, field: 'id' | 'name', value: string): Promise<Named[]> {
    const key = `${kind}\u0000${field}\u0000${value}`;
    let found = this.cache.get(key);
    if (!found) {
      found = (
        this.em.find(ENTITY[kind] as typeof Flow, { [field]: value } as never, {
          fields: ['id', 'name'],
          limit: 2,
        }) as Promise<Named[]>
      ).then((rows) => rows.map((row) => ({ id: row.id, name: row.name })));
      this.cache.set(key, found);
    }
    return found;
  }
}

function decodeGlobal(value: string): { typename: string; id: string } | undefined {
  try {
    return decodeGlobalID(value);
  } catch {
    return undefined;
  }
}

/** What an import needs written into a config for a resolved reference: flows by name, others by id. */
export const storedValueFor = (kind: ReferenceKind, target: Named) =>
  kind === 'flow' ? target.name : target.id;
