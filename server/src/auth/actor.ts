import type { ApiKeyScope, UserRole } from '../db/entities/index.js';

/** Who is calling: a signed-in person, a third-party app with an API key, or a tablet. */
export type Actor =
  | { kind: 'user'; id: string; email: string; name: string; role: UserRole }
  | { kind: 'apiKey'; id: string; name: string; scopes: ApiKeyScope[] }
  | { kind: 'device'; id: string; name: string };

export type Permission = ApiKeyScope | 'admin' | 'device';

const ROLE_PERMISSIONS: Record<UserRole, Permission[]> = {
  admin: ['read', 'write', 'trigger', 'ingest', 'respond', 'admin'],
  caregiver: ['read', 'write', 'trigger', 'ingest', 'respond'],
  viewer: ['read'],
};

export function permissionsOf(actor: Actor | null): Set<Permission> {
  if (!actor) return new Set();
  switch (actor.kind) {
    case 'user':
      return new Set(ROLE_PERMISSIONS[actor.role]);
    case 'apiKey':
      return new Set(actor.scopes);
    case 'device':
      return new Set(['device']);
  }
}
