import type { Author } from '../flows/service.js';
import type { GraphQLContext } from './context.js';

/** How `Flow.updatedBy` names the caller: a person by name, an API key by its name. */
export function authorOf(actor: GraphQLContext['actor']): Author {
  if (!actor) return null;
  if (actor.kind === 'apiKey') return `${actor.name} (API key)`;
  return actor.name;
}
