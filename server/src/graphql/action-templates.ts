import { encodeGlobalID } from '@pothos/plugin-relay';
import { z } from 'zod';
import { maskSealed } from '../crypto/sealed-config.js';
import { FlowActionTemplate } from '../db/entities/index.js';
import { TemplateInUseError } from '../flows/action-templates.js';
import { FlowValidationError, NameTakenError, NotFoundError } from '../flows/errors.js';
import { presentReferences } from '../flows/references.js';
import { builder } from './builder.js';
import { ErrorInterface } from './errors.js';
import { InputValidationError } from './input-validation.js';
import { StepTypeRef } from './step-types.js';

builder.objectType(TemplateInUseError, {
  name: 'TemplateInUseError',
  description: 'The action template is still used by steps; nothing was deleted.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ stepCount: t.exposeInt('stepCount', { description: 'How many steps use it.' }) }),
});

export const ActionTemplateRef = builder.node(builder.objectRef<FlowActionTemplate>('ActionTemplate'), {
  description: 'A reusable action config; steps reference it and override fields.',
  id: { resolve: (template) => template.id },
  authScopes: { read: true },
  loadMany: (ids, context) => context.em.find(FlowActionTemplate, { id: { $in: ids as string[] } }),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique name.' }),
    type: t.exposeString('type', { description: 'Step type the config is for.' }),
    stepType: t.field({
      type: StepTypeRef,
      nullable: true,
      description: 'Metadata of that step type.',
      resolve: (template, _args, { services }) => services.registry.get(template.type) ?? null,
    }),
    description: t.exposeString('description', { description: 'What it is for.' }),
    config: t.field({
      type: 'JSONObject',
      description:
        'The config steps start from; references to nodes, flows and tablets are global IDs (saves also take names). Secret values read `{"$secret": "set"}`; send that back to keep them.',
      resolve: (template, _args, { services }) =>
        maskSealed(presentReferences(services.registry, template.type, template.config)),
    }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'Last change.' }),
  }),
});

const TemplateErrors = [InputValidationError, FlowValidationError, NotFoundError, NameTakenError];

builder.queryFields((t) => ({
  actionTemplates: t.field({
    type: [ActionTemplateRef],
    description: 'All action templates, by name.',
    authScopes: { read: true },
    args: { type: t.arg.string({ description: 'Only templates for this step type.' }) },
    resolve: (_root, args, { em }) =>
      em.find(FlowActionTemplate, args.type ? { type: args.type } : {}, { orderBy: { name: 'asc' } }),
  }),
}));

builder.mutationFields((t) => ({
  createActionTemplate: t.field({
    type: ActionTemplateRef,
    description: 'Creates an action template; its config must be valid for its step type on its own.',
    authScopes: { write: true },
    errors: { types: TemplateErrors },
    args: {
      name: t.arg.string({
        required: true,
        description: 'Unique name.',
        validate: z.string().trim().min(1).max(120),
      }),
      type: t.arg.string({ required: true, description: 'Action step type, e.g. `alert` or `webhook_out`.' }),
      config: t.arg({ type: 'JSONObject', required: true, description: 'The config.' }),
      description: t.arg.string({ description: 'What it is for.' }),
    },
    resolve: (_root, args, { em, services }) =>
      services.actionTemplates.create(em, { ...args, description: args.description ?? undefined }),
  }),
  updateActionTemplate: t.field({
    type: ActionTemplateRef,
    description: 'Changes an action template; every step that references it sees the change on its next run.',
    authScopes: { write: true },
    errors: { types: TemplateErrors },
    args: {
      id: t.arg.globalID({
        required: true,

        description: 'Global ID of the template.',
      }),
      name: t.arg.string({ description: 'New name.', validate: z.string().trim().min(1).max(120) }),
      config: t.arg({ type: 'JSONObject', description: 'New config.' }),
      description: t.arg.string({ description: 'New description.' }),
    },
    resolve: (_root, { id, ...input }, { em, services }) =>
      services.actionTemplates.update(em, id.id, {
        name: input.name ?? undefined,
        config: input.config ?? undefined,
        description: input.description ?? undefined,
      }),
  }),
  deleteActionTemplate: t.field({
    type: 'ID',
    description: 'Deletes an unused action template; returns its global ID.',
    authScopes: { write: true },
    errors: { types: [NotFoundError, TemplateInUseError, InputValidationError] },
    args: {
      id: t.arg.globalID({
        required: true,

        description: 'Global ID of the template.',
      }),
    },
    resolve: async (_root, { id }, { em, services }) => {
      await services.actionTemplates.delete(em, id.id);
      return encodeGlobalID('ActionTemplate', id.id);
    },
  }),
}));
