import { newId } from '../db/ids.js';
import type { Orm } from '../db/orm.js';
import type { NodeLookup, NodeRef } from './readings.js';

/** Node lookup for the intake, plus registration of unknown nodes when auto-registration is on. */
export interface NodeDirectory extends NodeLookup {
  /** `created` is true for exactly one caller per new node, so "registered" is announced once. */
  register(name: string): Promise<Registration>;
}

export interface Registration {
  node: NodeRef;
  created: boolean;
}

/** Persists a new node (or finds one created meanwhile) and returns it; the directory caches the result. */
export type RegisterNode = (name: string) => Promise<Registration>;

/**
 * An in-memory index of nodes by id and by name, so each reading resolves its node without a query.
 * Whoever creates, renames or deletes nodes (the GraphQL layer) keeps it current with upsert/remove.
 */
export class MemoryNodeDirectory implements NodeDirectory {
  private readonly byId = new Map<string, NodeRef>();
  private readonly byName = new Map<string, NodeRef>();
  private readonly registering = new Map<string, Promise<Registration>>();

  constructor(
    nodes: Iterable<NodeRef> = [],
    private readonly persist: RegisterNode = async (name) => ({
      node: { id: newId(), name, kind: 'sensor', tags: [] },
      created: true,
    }),
  ) {
    for (const node of nodes) this.upsert(node);
  }

  /** Ids win over names: a node named like another node's id must not hijack its readings. */
  find(idOrName: string): NodeRef | undefined {
    return this.byId.get(idOrName) ?? this.byName.get(idOrName);
  }

  all(): NodeRef[] {
    return [...this.byId.values()];
  }

  upsert(node: NodeRef): void {
    const previous = this.byId.get(node.id);
    if (previous && this.byName.get(previous.name) === previous) this.byName.delete(previous.name);
    this.byId.set(node.id, node);
    this.byName.set(node.name, node);
  }

  remove(nodeId: string): void {
    const node = this.byId.get(nodeId);
    if (!node) return;
    this.byId.delete(nodeId);
    if (this.byName.get(node.name) === node) this.byName.delete(node.name);
  }

  /** Concurrent batches naming the same new node share one registration. */
  register(name: string): Promise<Registration> {
    const known = this.find(name);
    if (known) return Promise.resolve({ node: known, created: false });
    const pending = this.registering.get(name);
    if (pending) return pending.then(({ node }) => ({ node, created: false }));
    const registration = this.persist(name)
      .then((result) => {
        this.upsert(result.node);
        return result;
      })
      .finally(() => this.registering.delete(name));
    this.registering.set(name, registration);
    return registration;
  }
}

interface NodeRow {
  id: string;
  name: string;
  kind: string;
  tags: string | null;
}

/** The nodes table's tags column (JSON text) as a list; anything unreadable is no tags. */
export const parseNodeTags = (tags: string | null): string[] => {
  try {
    const parsed: unknown = tags ? JSON.parse(tags) : [];
    return Array.isArray(parsed) ? parsed.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
};

/**
 * A directory filled from the nodes table whose registrations insert a node row (kind "sensor",
 * marked auto-registered in metadata). Raw SQL, because the intake has no request-scoped entity manager.
 */
export async function loadNodeDirectory(
  orm: Orm,
  clock: () => Date = () => new Date(),
): Promise<MemoryNodeDirectory> {
  const connection = orm.em.getConnection();
  const rows = (await connection.execute('select id, name, kind, tags from nodes')) as NodeRow[];
  const nodes = rows.map((row) => ({
    id: row.id,
    name: row.name,
    kind: row.kind,
    tags: parseNodeTags(row.tags),
  }));
  return new MemoryNodeDirectory(nodes, async (name) => {
    const existing = (await connection.execute('select id, name, kind, tags from nodes where name = ?', [
      name,
    ])) as NodeRow[];
    // Someone (the API) created it meanwhile: use theirs rather than fail on the unique name.
    if (existing[0])
      return { node: { ...existing[0], tags: parseNodeTags(existing[0].tags) }, created: false };
    const id = newId();
    const now = clock().getTime();
    await connection.execute(
      `insert into nodes (id, name, kind, tags, status, last_seen_at, metadata, ssh_trust_on_first_use, created_at, updated_at)
       values (?, ?, 'sensor', '[]', 'online', ?, ?, 0, ?, ?)`,
      [id, name, now, JSON.stringify({ autoRegistered: true }), now, now],
    );
    return { node: { id, name, kind: 'sensor', tags: [] }, created: true };
  });
}
