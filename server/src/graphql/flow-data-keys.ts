import { Flow, FlowEdge, FlowStep, FlowVariable } from '../db/entities/index.js';
import { dataKeys } from '../engine/index.js';
import { NotFoundError } from '../flows/errors.js';
import { builder } from './builder.js';
import { InputValidationError } from './input-validation.js';

builder.queryFields((t) => ({
  dataKeys: t.stringList({
    description:
      'What templates and expressions may reference at one step of a saved flow, for the editor’s autocomplete: ' +
      '`trigger.*`, `system.*`, `vars.*`, `steps.<key>.output.*` of the steps that run before it, and the flat keys they write.',
    authScopes: { read: true },
    errors: { types: [NotFoundError, InputValidationError] },
    args: {
      flowId: t.arg.globalID({ required: true, description: 'Global ID of the flow.' }),
      stepKey: t.arg.string({ required: true, description: 'Key of the step being edited.' }),
    },
    resolve: async (_root, { flowId, stepKey }, { em, services }) => {
      const id = flowId.id;
      if (!(await em.count(Flow, { id }))) throw new NotFoundError('flow', id);
      const steps = await em.find(FlowStep, { flow: id }, { populate: ['actionTemplate'] });
      if (!steps.some((step) => step.key === stepKey)) throw new NotFoundError('step', stepKey);
      const keyOf = new Map(steps.map((step) => [step.id, step.key]));
      const edges = (await em.find(FlowEdge, { flow: id })).map((edge) => ({
        source: keyOf.get(edge.source.id) ?? '',
        target: keyOf.get(edge.target.id) ?? '',
      }));
      const variables = await em.find(FlowVariable, { scope: { $in: [id, 'global'] } });
      const drafts = steps.map((step) => ({
        key: step.key,
        type: step.type,
        config: { ...(step.actionTemplate?.config ?? {}), ...step.config },
      }));
      return dataKeys(drafts, edges, stepKey, services.registry, {
        variables: [...new Set(variables.map((variable) => variable.key))],
      });
    },
  }),
}));
