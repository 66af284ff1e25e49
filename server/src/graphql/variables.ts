import { resolveArrayConnection } from '@pothos/plugin-relay';
import { Flow } from '../db/entities/index.js';
import { NotFoundError } from '../flows/errors.js';
import { variableKey } from '../steps/shared-schemas.js';
import type { VariableEntry } from '../variables/service.js';
import { builder } from './builder.js';
import { FlowRef } from './flow-types.js';
import { InputValidationError } from './input-validation.js';

const ScopeEnum = builder.enumType('VariableScope', {
  description: 'Where a variable lives.',
  values: {
    FLOW: { value: 'flow', description: 'One flow’s own; in its runs it shadows a global of the same key.' },
    GLOBAL: { value: 'global', description: 'Shared by every flow.' },
  },
});

const VariableRef = builder.objectRef<VariableEntry>('FlowVariable').implement({
  description: 'State that survives between runs (HALO’s flow_variables); templates read it as `vars.<key>`.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'Name: letters, digits and _, starting with a letter or _.' }),
    scope: t.expose('scope', { type: ScopeEnum, description: 'FLOW or GLOBAL.' }),
    value: t.field({ type: 'JSON', nullable: true, description: 'Any JSON value.', resolve: (v) => v.value }),
    flow: t.field({
      type: FlowRef,
      nullable: true,
      description: 'The flow of a FLOW variable.',
      resolve: (v, _args, { em }) => (v.flowId ? em.findOne(Flow, { id: v.flowId }) : null),
    }),
  }),
});

/**
 * A FLOW variable needs its flow; a GLOBAL one must not name one. Checked in the resolver, after
 * authorization, so a caller without access learns nothing from the answer.
 */
function checkScope(args: { scope: string; flowId?: { id: string } | null }): void {
  if ((args.scope === 'flow') !== !!args.flowId)
    throw new InputValidationError([
      { path: ['flowId'], message: 'give flowId for FLOW variables, and only for them' },
    ]);
}

builder.queryFields((t) => ({
  variables: t.connection(
    {
      type: VariableRef,
      description: 'A flow’s variables (scope FLOW with flowId) or the global ones, by key.',
      authScopes: { read: true },
      errors: { types: [InputValidationError, NotFoundError] },
      args: {
        scope: t.arg({ type: ScopeEnum, required: true, description: 'FLOW or GLOBAL.' }),
        flowId: t.arg.globalID({ description: 'The flow, for FLOW variables.' }),
      },
      resolve: async (_root, args, { em, services }) => {
        checkScope(args);
        return resolveArrayConnection(
          { args },
          await services.variables.list(em, args.scope as VariableEntry['scope'], args.flowId?.id ?? null),
        );
      },
    },
    { description: 'A page of variables.' },
    { description: 'A variable in a page of variables.' },
  ),
}));

builder.mutationFields((t) => ({
  setVariable: t.field({
    type: VariableRef,
    description: 'Creates or changes a variable, with the rules of the set_variable step.',
    authScopes: { write: true },
    errors: { types: [InputValidationError, NotFoundError] },
    args: {
      scope: t.arg({ type: ScopeEnum, required: true, description: 'FLOW or GLOBAL.' }),
      flowId: t.arg.globalID({ description: 'The flow, for FLOW variables.' }),
      key: t.arg.string({ required: true, description: 'Variable name.', validate: variableKey }),
      value: t.arg({ type: 'JSON', description: 'The value (any JSON; null when left out).' }),
    },
    resolve: (_root, args, { em, services }) => {
      checkScope(args);
      return services.variables.set(
        em,
        args.scope as VariableEntry['scope'],
        args.flowId?.id ?? null,
        args.key,
        args.value,
      );
    },
  }),
  deleteVariable: t.field({
    type: 'String',
    description: 'Deletes a variable; returns its key.',
    authScopes: { write: true },
    errors: { types: [InputValidationError, NotFoundError] },
    args: {
      scope: t.arg({ type: ScopeEnum, required: true, description: 'FLOW or GLOBAL.' }),
      flowId: t.arg.globalID({ description: 'The flow, for FLOW variables.' }),
      key: t.arg.string({ required: true, description: 'Variable name.', validate: variableKey }),
    },
    resolve: async (_root, args, { em, services }) => {
      checkScope(args);
      await services.variables.delete(
        em,
        args.scope as VariableEntry['scope'],
        args.flowId?.id ?? null,
        args.key,
      );
      return args.key;
    },
  }),
}));
