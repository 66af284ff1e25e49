import type { MikroORM } from '@mikro-orm/better-sqlite';
import { Flow, GatewayNode } from '../db/entities/index.js';
import { idFromGlobalId, toGlobalId } from '../flows/references.js';

/** REST paths whose `{id}` may also be the object's unique name (the GraphQL fields take global IDs). */
const NAMED_PATHS: Array<{ pattern: RegExp; entity: typeof Flow | typeof GatewayNode; typename: string }> = [
  { pattern: /^\/v1\/flows\/([^/]+)(\/trigger|\/executions)?$/, entity: Flow, typename: 'Flow' },
  { pattern: /^\/v1\/nodes\/([^/]+)$/, entity: GatewayNode, typename: 'GatewayNode' },
];
const FIXED = new Set(['metadata', 'metric-preview']);

/**
 * Rewrites `/v1/flows/Kitchen%20too%20hot` to the flow's global ID. A segment that is already a global
 * ID of the type, or names nothing, is left alone: the API then answers 404 (unknown ID) or 400 (not an
 * ID and not a name).
 */
export async function resolveRestNames(orm: MikroORM, url: string): Promise<string> {
  const [path = '/', query] = url.split('?', 2);
  for (const { pattern, entity, typename } of NAMED_PATHS) {
    const match = pattern.exec(path);
    if (!match?.[1]) continue;
    let segment: string;
    try {
      segment = decodeURIComponent(match[1]);
    } catch {
      return url;
    }
    if (FIXED.has(segment) || idFromGlobalId(segment, typename)) return url;
    const found = await orm.em.fork().findOne(entity as typeof Flow, { name: segment }, { fields: ['id'] });
    if (!found) return url;
    const rewritten = path.replace(match[1], encodeURIComponent(toGlobalId(typename, found.id)));
    return query === undefined ? rewritten : `${rewritten}?${query}`;
  }
  return url;
}
