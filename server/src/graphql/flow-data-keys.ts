import { Flow, FlowEdge, FlowStep, FlowVariable } from '../db/entities/index.js';
import { checkFlowExpressions, dataKeys } from '../engine/index.js';
import { NotFoundError } from '../flows/errors.js';
import { builder } from './builder.js';
import { ValidationIssueRef } from './errors.js';
import { InputValidationError } from './input-validation.js';

// The editor asks while a graph is still a draft on the phone, so the graph may come with the query.
const DraftStepInput = builder.inputType('DataKeysDraftStepInput', {
  description: 'A step of an unsaved graph, as far as autocomplete needs it.',
  fields: (t) => ({
    key: t.string({ required: true, description: 'Step key.' }),
    type: t.string({ required: true, description: 'Step type, see `stepTypes`.' }),
    config: t.field({ type: 'JSONObject', description: 'Configuration as edited so far.' }),
  }),
});

const DraftEdgeInput = builder.inputType('DataKeysDraftEdgeInput', {
  description: 'An edge of an unsaved graph, by step key.',
  fields: (t) => ({
    source: t.string({ required: true, description: 'Key of the source step.' }),
    target: t.string({ required: true, description: 'Key of the target step.' }),
  }),
});

const DraftGraphInput = builder.inputType('DataKeysDraftInput', {
  description:
    'An unsaved graph, as the editor holds it: for `dataKeys` instead of the stored graph, and for `expressionIssues`.',
  fields: (t) => ({
    steps: t.field({ type: [DraftStepInput], required: true, description: 'Every step of the draft.' }),
    edges: t.field({ type: [DraftEdgeInput], required: true, description: 'Every edge of the draft.' }),
  }),
});

builder.queryFields((t) => ({
  expressionIssues: t.field({
    type: [ValidationIssueRef],
    description:
      'The problems a save would report in the expressions and templates of an unsaved graph — the server’s own parser, with its position and “did you mean” — so an editor can show them at the field while a person types. Only expressions and templates are checked (configs, ports and references are checked on save); nothing is written.',
    authScopes: { read: true },
    args: {
      draft: t.arg({ type: DraftGraphInput, required: true, description: 'The graph as edited.' }),
      stepKey: t.arg.string({ description: 'Only the problems of this step; every step’s when left out.' }),
    },
    resolve: (_root, { draft, stepKey }, { services }) => {
      const steps = draft.steps.map((step) => ({
        key: step.key,
        type: step.type,
        config: step.config ?? {},
      }));
      return checkFlowExpressions(steps, draft.edges, services.registry)
        .filter((issue) => !stepKey || issue.stepKey === stepKey)
        .map(({ stepKey: key, field, message }) => ({
          code: 'invalid_expression' as const,
          stepKey: key,
          field,
          message,
        }));
    },
  }),
  dataKeys: t.stringList({
    description:
      'What templates and expressions may reference at one step of a flow (saved, or a draft passed in), for the editor’s autocomplete: ' +
      '`trigger.*`, `system.*`, `vars.*`, `steps.<key>.output.*` of the steps that run before it, and the flat keys they write.',
    authScopes: { read: true },
    errors: { types: [NotFoundError, InputValidationError] },
    args: {
      flowId: t.arg.globalID({ required: true, description: 'Global ID of the flow.' }),
      stepKey: t.arg.string({ required: true, description: 'Key of the step being edited.' }),
      draft: t.arg({
        type: DraftGraphInput,
        description: 'The graph as edited but not saved yet; the stored graph when left out.',
      }),
    },
    resolve: async (_root, { flowId, stepKey, draft }, { em, services }) => {
      const id = flowId.id;
      if (!(await em.count(Flow, { id }))) throw new NotFoundError('flow', id);
      const variables = async () =>
        (await em.find(FlowVariable, { scope: { $in: [id, 'global'] } })).map((variable) => variable.key);
      if (draft) {
        if (!draft.steps.some((step) => step.key === stepKey)) throw new NotFoundError('step', stepKey);
        const steps = draft.steps.map((step) => ({
          key: step.key,
          type: step.type,
          config: step.config ?? {},
        }));
        return dataKeys(steps, draft.edges, stepKey, services.registry, {
          variables: [...new Set(await variables())],
        });
      }
      const steps = await em.find(FlowStep, { flow: id }, { populate: ['actionTemplate'] });
      if (!steps.some((step) => step.key === stepKey)) throw new NotFoundError('step', stepKey);
      const keyOf = new Map(steps.map((step) => [step.id, step.key]));
      const edges = (await em.find(FlowEdge, { flow: id })).map((edge) => ({
        source: keyOf.get(edge.source.id) ?? '',
        target: keyOf.get(edge.target.id) ?? '',
      }));
      const drafts = steps.map((step) => ({
        key: step.key,
        type: step.type,
        config: { ...(step.actionTemplate?.config ?? {}), ...step.config },
      }));
      return dataKeys(drafts, edges, stepKey, services.registry, {
        variables: [...new Set(await variables())],
      });
    },
  }),
}));
