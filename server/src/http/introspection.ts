import { GraphQLError, Kind, visit, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { KinflowConfig } from '../config/index.js';
import type { GraphQLContext } from '../graphql/context.js';

function introspects(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    [Kind.FIELD]: (node) => {
      if (node.name.value === '__schema' || node.name.value === '__type') found = true;
    },
  });
  return found;
}

/**
 * Introspection per KINFLOW_INTROSPECTION. Checked at execution, where the caller is known: anonymous
 * callers in production learn nothing beyond `__typename`.
 */
export function introspectionPlugin(mode: KinflowConfig['introspection']): Plugin<GraphQLContext> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (mode === 'all') return;
      const context = args.contextValue as GraphQLContext;
      if (mode === 'authenticated' && context.actor) return;
      if (!introspects(args.document)) return;
      setResultAndStopExecution({
        errors: [
          new GraphQLError(mode === 'off' ? 'introspection is turned off' : 'sign in to use introspection', {
            extensions: { code: mode === 'off' ? 'FORBIDDEN' : 'UNAUTHENTICATED' },
          }),
        ],
      });
    },
  };
}
