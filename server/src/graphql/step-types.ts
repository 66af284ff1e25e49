import { STEP_CATEGORIES, type StepPort, type StepTypeDefinition } from '../steps/step-type.js';
import { builder } from './builder.js';

export const StepCategoryEnum = builder.enumType('StepCategory', {
  description: 'Where a step type sits in the palette.',
  values: Object.fromEntries(
    STEP_CATEGORIES.map((category) => [
      category.toUpperCase(),
      {
        value: category,
        description: {
          trigger: 'Starts runs: sensor readings, node events, schedules, webhooks, buttons.',
          condition: 'Lets a run continue on one branch or another.',
          action: 'Does work: alerts, notifications, webhooks, commands.',
          care: 'Talks to the senior: prompts, spoken announcements, info cards.',
          flow: 'Controls the run: waits, sleeps, nested flows.',
        }[category],
      },
    ]),
  ),
});

export const StepPortRef = builder.objectRef<StepPort>('StepPort').implement({
  description: 'An output port of a step type; edges leave a step from one of its ports.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Port name used in edges, e.g. `main`, `true`, `blocked`.' }),
    label: t.exposeString('label', { description: 'Label for the canvas.' }),
    description: t.exposeString('description', { nullable: true, description: 'When the port is taken.' }),
  }),
});

export const StepTypeRef = builder.objectRef<StepTypeDefinition>('StepType').implement({
  description: 'A kind of step (trigger, condition, action, care or flow step) that flows can use.',
  fields: (t) => ({
    type: t.exposeString('type', { description: 'Identifier used in `FlowStep.type`, e.g. `sensor_value`.' }),
    category: t.expose('category', { type: StepCategoryEnum, description: 'Palette group.' }),
    title: t.exposeString('title', { description: 'Human title.' }),
    description: t.exposeString('description', { description: 'What the step does.' }),
    isTrigger: t.boolean({
      description: 'Whether runs start at this step.',
      resolve: (type) => type.category === 'trigger',
    }),
    configSchema: t.field({
      type: 'JSONObject',
      description:
        'JSON Schema (2020-12) of the step config; the server validates saves against it. A field that names another object carries `x-reference: { entity: "node" | "flow" | "device", form: "id" | "name" }`: an `id` field takes the object’s global ID (or its name) and reads back as the global ID, a `name` field keeps the name.',
      resolve: (type, _args, { services }) => services.registry.jsonSchema(type.type),
    }),
    ports: t.field({ type: [StepPortRef], description: 'Output ports.', resolve: (type) => type.ports }),
    configVersion: t.int({
      description: 'Version of the config shape; bundles record it and imports migrate older configs.',
      resolve: (type) => type.configVersion ?? 1,
    }),
  }),
});

const FlowMetadataRef = builder.simpleObject('FlowMetadata', {
  description: 'What flows can be built from (the HALO `/v1/flows/metadata` document).',
  fields: (t) => ({
    stepTypes: t.field({
      type: [StepTypeRef],
      description: 'Every step type that can run on this server, by category.',
    }),
    triggerTypes: t.stringList({ description: 'Step types that start runs.' }),
    conditionTypes: t.stringList({ description: 'Step types that gate a run.' }),
    actionTypes: t.stringList({ description: 'Step types that do work (actions, care and flow steps).' }),
  }),
});

builder.queryFields((t) => ({
  stepTypes: t.field({
    type: [StepTypeRef],
    description:
      'Every step type that can run on this server, for the palette and config forms (types whose setting is missing, such as `llm_call` without KINFLOW_LLM_MODELS, are left out).',
    authScopes: { read: true },
    resolve: (_root, _args, { services }) => services.registry.available(),
  }),
  flowMetadata: t.field({
    type: FlowMetadataRef,
    description: 'Step types grouped the way the HALO API lists them.',
    authScopes: { read: true },
    resolve: (_root, _args, { services }) => {
      const stepTypes = services.registry.available();
      const of = (...categories: string[]) =>
        stepTypes.filter((type) => categories.includes(type.category)).map((type) => type.type);
      return {
        stepTypes,
        triggerTypes: of('trigger'),
        conditionTypes: of('condition'),
        actionTypes: of('action', 'care', 'flow'),
      };
    },
  }),
}));
