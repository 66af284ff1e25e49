import { Migration } from '../migration.js';

/**
 * Step configs store references (nodes, flows, tablets) as database ids. Before this release a config
 * could hold a global ID or a name that the runtime compared with database ids, so the step saved as
 * valid and silently never fired (or never found its node). This rewrites those values to database
 * ids. The field list is frozen here on purpose: it is what the step types referred to at this point.
 * Values that resolve to nothing are left as they are; `validateFlow` reports them.
 */
const FIELDS: Record<
  string,
  Array<{ path: string[]; list?: boolean; entity: 'node' | 'flow' | 'device' }>
> = {
  sensor_value: [{ path: ['nodeId'], entity: 'node' }],
  node_event: [{ path: ['nodeId'], entity: 'node' }],
  alert: [{ path: ['nodeId'], entity: 'node' }],
  command: [{ path: ['nodeId'], entity: 'node' }],
  notification: [{ path: ['nodeId'], entity: 'node' }],
  for_each_node: [{ path: ['selector', 'ids'], list: true, entity: 'node' }],
  interactive_prompt: [{ path: ['deviceId'], entity: 'device' }],
  tts_announcement: [{ path: ['deviceId'], entity: 'device' }],
  trigger_flow: [{ path: ['flowId'], entity: 'flow' }],
};
const TYPENAMES = { node: 'GatewayNode', flow: 'Flow', device: 'Device' } as const;
const TABLES = { node: 'nodes', flow: 'flows', device: 'devices' } as const;

export class Migration20261202043000 extends Migration {
  override async up(): Promise<void> {
    const types = Object.keys(FIELDS);
    const rows = (await this.execute(
      `select id, type, config from flow_steps where type in (${types.map(() => '?').join(', ')})`,
      types,
    )) as Array<{ id: string; type: string; config: string }>;
    const known: Record<keyof typeof TABLES, { ids: Set<string>; byName: Map<string, string[]> }> = {
      node: { ids: new Set(), byName: new Map() },
      flow: { ids: new Set(), byName: new Map() },
      device: { ids: new Set(), byName: new Map() },
    };
    for (const entity of Object.keys(TABLES) as Array<keyof typeof TABLES>) {
      for (const row of (await this.execute(`select id, name from ${TABLES[entity]}`)) as Array<{
        id: string;
        name: string;
      }>) {
        known[entity].ids.add(row.id);
        known[entity].byName.set(row.name, [...(known[entity].byName.get(row.name) ?? []), row.id]);
      }
    }
    const resolve = (entity: keyof typeof TABLES, value: unknown): unknown => {
      if (typeof value !== 'string' || known[entity].ids.has(value) || value.includes('{')) return value;
      const decoded = /^[A-Za-z0-9+/]+=*$/.test(value) ? Buffer.from(value, 'base64').toString('utf8') : '';
      const prefix = `${TYPENAMES[entity]}:`;
      if (decoded.startsWith(prefix) && known[entity].ids.has(decoded.slice(prefix.length)))
        return decoded.slice(prefix.length);
      const named = known[entity].byName.get(value);
      return named?.length === 1 ? named[0] : value;
    };
    for (const row of rows) {
      const config = JSON.parse(row.config) as Record<string, unknown>;
      let changed = false;
      for (const field of FIELDS[row.type] ?? []) {
        let holder: Record<string, unknown> | undefined = config;
        for (const part of field.path.slice(0, -1)) {
          const next: unknown = holder?.[part];
          holder = next && typeof next === 'object' ? (next as Record<string, unknown>) : undefined;
        }
        const last = field.path[field.path.length - 1]!;
        if (!holder || !(last in holder)) continue;
        const before = holder[last];
        const after =
          field.list && Array.isArray(before)
            ? before.map((v) => resolve(field.entity, v))
            : resolve(field.entity, before);
        if (JSON.stringify(after) !== JSON.stringify(before)) {
          holder[last] = after;
          changed = true;
        }
      }
      if (changed)
        await this.execute('update flow_steps set config = ? where id = ?', [JSON.stringify(config), row.id]);
    }
  }
}
