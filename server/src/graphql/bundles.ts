import { encodeGlobalID } from '@pothos/plugin-relay';
import {
  ImportRejectedError,
  type BundleFormat,
  type ImportOptions,
  type ImportReport,
} from '../bundles/index.js';
import type { ReferenceKind } from '../bundles/format.js';
import type {
  ImportProblem,
  ReferenceReport,
  SecretReport,
  StepReport,
  TemplateReport,
} from '../bundles/import.js';
import { NameTakenError, NotFoundError } from '../flows/errors.js';
import { authorOf } from './author.js';
import { builder } from './builder.js';
import { ErrorInterface } from './errors.js';
import { FlowRef } from './flow-types.js';
import { InputValidationError } from './input-validation.js';

const enumOf = (name: string, description: string, values: Record<string, string>) =>
  builder.enumType(name, {
    description,
    values: Object.fromEntries(
      Object.entries(values).map(([value, text]) => [value.toUpperCase(), { value, description: text }]),
    ),
  });

const BundleFormatEnum = enumOf('BundleFormat', 'How a flow bundle is written.', {
  yaml: 'YAML (readable, the default).',
  json: 'JSON.',
});
/** Typed by kind, so a new reference kind cannot be left out of the API. */
const REFERENCE_KIND_TEXT: Record<ReferenceKind, string> = {
  node: 'A gateway node, sensor or device, by its unique name.',
  device: 'A tablet, by its name.',
  flow: 'Another flow (for `trigger_flow`), by its unique name.',
};
const ReferenceKindEnum = enumOf(
  'BundleReferenceKind',
  'What kind of outside thing a bundle refers to.',
  REFERENCE_KIND_TEXT,
);

const StatusEnum = enumOf('ImportItemStatus', 'How a step or template of a bundle fares in an import.', {
  ok: 'Imports as it is.',
  migrated: 'Imports after its config was migrated from an older config version.',
  problem: 'Cannot be imported; see `problems`.',
});
const TemplateActionEnum = enumOf(
  'TemplateImportAction',
  'What an import does with a bundled action template.',
  {
    create: 'Creates it.',
    reuse: 'Uses the template of that name already here (same config, or USE_EXISTING was chosen).',
    replace: 'Overwrites the config of the template of that name here (REPLACE was chosen).',
    rename: 'Creates it under a new name because the name is taken (RENAME was chosen).',
    clash: 'A different template of that name exists; choose how to resolve it.',
  },
);
const SecretFillEnum = enumOf('BundleSecretFill', 'When a value left out of a bundle is filled in.', {
  on_import: 'Give it in the import options; the import is refused without it.',
  after_import: 'Issued anew by this server after importing (e.g. a webhook URL).',
});
const NameClashEnum = enumOf('NameClashChoice', 'What to do when the flow’s name is taken.', {
  fail: 'Refuse the import (default).',
  rename: 'Import as “Name (2)” (the first free number).',
  replace: 'Replace the existing flow’s settings and graph (its runs and id stay).',
});
const TemplateClashEnum = enumOf(
  'TemplateClashChoice',
  'What to do when a different action template of the same name exists.',
  {
    fail: 'Refuse the import (default).',
    rename: 'Create the bundled template under a free name.',
    replace: 'Overwrite the existing template’s config (every flow using it changes).',
    use_existing: 'Point the steps at the existing template.',
  },
);

const UsedByRef = builder.simpleObject('BundleUsage', {
  description: 'Where in a bundle a reference is used.',
  fields: (t) => ({
    step: t.string({ nullable: true, description: 'Key of the step, when a step uses it.' }),
    template: t.string({ nullable: true, description: 'Name of the action template, when one uses it.' }),
    field: t.string({ description: 'Config field, e.g. `config.nodeId`.' }),
  }),
});

const ProblemRef = builder.objectRef<ImportProblem>('ImportProblem').implement({
  description: 'Something that stops an import, naming the step (or template) and field.',
  fields: (t) => ({
    code: t.exposeString('code', {
      description:
        'Kind of problem: invalid_bundle, name_taken, missing_secret, unresolved_reference, ambiguous_reference, template_clash, migration_failed, unknown_template, or a flow validation code (invalid_config, unknown_step_type, …).',
    }),
    message: t.exposeString('message', { description: 'What is wrong, in words for a person.' }),
    stepKey: t.string({
      nullable: true,
      description: 'The step it is in.',
      resolve: (p) => p.stepKey ?? null,
    }),
    template: t.string({
      nullable: true,
      description: 'The action template it is in.',
      resolve: (p) => p.template ?? null,
    }),
    field: t.string({
      nullable: true,
      description: 'The field, e.g. `config.url`.',
      resolve: (p) => p.field ?? null,
    }),
  }),
});

const StepReportRef = builder.objectRef<StepReport>('ImportStepReport').implement({
  description: 'How one step of a bundle fares.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'Step key.' }),
    type: t.exposeString('type', { description: 'Step type.' }),
    status: t.expose('status', { type: StatusEnum, description: 'OK, MIGRATED or PROBLEM.' }),
    fromVersion: t.exposeInt('fromVersion', { description: 'Config version in the bundle.' }),
    toVersion: t.exposeInt('toVersion', { description: 'Config version of this server.' }),
    problems: t.expose('problems', { type: [ProblemRef], description: 'What stops this step.' }),
  }),
});

const TemplateReportRef = builder.objectRef<TemplateReport>('ImportTemplateReport').implement({
  description: 'How one bundled action template fares.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Name in the bundle.' }),
    type: t.exposeString('type', { description: 'Step type it is for.' }),
    action: t.expose('action', { type: TemplateActionEnum, description: 'What the import does with it.' }),
    importedAs: t.exposeString('importedAs', { description: 'The name the flow’s steps will use.' }),
    status: t.expose('status', { type: StatusEnum, description: 'OK, MIGRATED or PROBLEM.' }),
    problems: t.expose('problems', { type: [ProblemRef], description: 'What stops it.' }),
  }),
});

const ReferenceReportRef = builder.objectRef<ReferenceReport>('ImportReferenceReport').implement({
  description: 'An outside thing the bundle names, and whether this server has it.',
  fields: (t) => ({
    kind: t.expose('kind', { type: ReferenceKindEnum, description: 'Node, device or flow.' }),
    name: t.exposeString('name', { description: 'Name in the bundle.' }),
    usedBy: t.field({
      type: [UsedByRef],
      description: 'Where the bundle uses it.',
      resolve: (r) =>
        r.usedBy.map((u) => ({ step: u.step ?? null, template: u.template ?? null, field: u.field })),
    }),
    resolved: t.exposeBoolean('resolved', { description: 'Whether exactly one local thing matches.' }),
    resolvedTo: t.exposeString('resolvedTo', {
      nullable: true,
      description: 'Name of the local thing used.',
    }),
    hint: t.exposeString('hint', {
      nullable: true,
      description: 'What would satisfy an unresolved reference.',
    }),
  }),
});

const SecretReportRef = builder.objectRef<SecretReport>('ImportSecretReport').implement({
  description: 'A secret the bundle does not carry.',
  fields: (t) => ({
    step: t.exposeString('step', { nullable: true, description: 'Step it belongs to.' }),
    template: t.exposeString('template', { nullable: true, description: 'Action template it belongs to.' }),
    field: t.exposeString('field', { description: 'Field, e.g. `config.headers.Authorization`.' }),
    fill: t.expose('fill', { type: SecretFillEnum, description: 'When it is filled in.' }),
    provided: t.exposeBoolean('provided', { description: 'Whether the import options give it.' }),
    hint: t.exposeString('hint', { description: 'What it is.' }),
  }),
});

const NameClashRef = builder.simpleObject('ImportNameClash', {
  description: 'The flow’s name is taken here.',
  fields: (t) => ({
    name: t.string({ description: 'The taken name.' }),
    existingFlowId: t.id({ description: 'Global ID of the flow that has it.' }),
    resolution: t.field({ type: NameClashEnum, description: 'The choice the options made.' }),
  }),
});

export const ImportReportRef = builder.objectRef<ImportReport>('ImportReport').implement({
  description: 'What importing a bundle would do (or did), step by step, and what stops it.',
  fields: (t) => ({
    valid: t.exposeBoolean('valid', { description: 'True when importFlow with the same options succeeds.' }),
    formatVersion: t.exposeInt('formatVersion', { nullable: true, description: 'Bundle format version.' }),
    kinflowVersion: t.exposeString('kinflowVersion', {
      nullable: true,
      description: 'Kinflow version that wrote it.',
    }),
    flowName: t.exposeString('flowName', { nullable: true, description: 'The name the flow gets.' }),
    nameClash: t.field({
      type: NameClashRef,
      nullable: true,
      description: 'Set when a flow of that name exists.',
      resolve: (r) =>
        r.nameClash && {
          ...r.nameClash,
          existingFlowId: encodeGlobalID('Flow', r.nameClash.existingFlowId),
        },
    }),
    steps: t.expose('steps', { type: [StepReportRef], description: 'Every step.' }),
    templates: t.expose('templates', {
      type: [TemplateReportRef],
      description: 'Every bundled action template.',
    }),
    references: t.expose('references', {
      type: [ReferenceReportRef],
      description: 'Every outside reference.',
    }),
    secrets: t.expose('secrets', { type: [SecretReportRef], description: 'Every value left out.' }),
    problems: t.expose('problems', {
      type: [ProblemRef],
      description: 'Every problem that stops the import, including those listed per step.',
    }),
  }),
});

builder.objectType(ImportRejectedError, {
  name: 'ImportRejectedError',
  description: 'The bundle cannot be imported as it is; nothing was written. The report says why.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    report: t.field({ type: ImportReportRef, description: 'The full report.', resolve: (e) => e.report }),
  }),
});

const ExportRef = builder.simpleObject('FlowBundleExport', {
  description: 'A flow as a portable bundle.',
  fields: (t) => ({
    format: t.field({ type: BundleFormatEnum, description: 'How `document` is written.' }),
    filename: t.string({ description: 'A file name to save it under.' }),
    document: t.string({ description: 'The bundle text (YAML or JSON); importFlow reads either.' }),
    bundle: t.field({ type: 'JSONObject', description: 'The same bundle as a JSON object.' }),
  }),
});

const FlowImportRef = builder.simpleObject('FlowImport', {
  description: 'The outcome of an import.',
  fields: (t) => ({
    flow: t.field({ type: FlowRef, description: 'The imported (or replaced) flow.' }),
    report: t.field({ type: ImportReportRef, description: 'What the import did.' }),
  }),
});

const OptionsInput = builder.inputType('ImportFlowOptions', {
  description: 'Choices for an import; the preview reports what they lead to.',
  fields: (t) => ({
    name: t.string({ description: 'Import under this name instead of the bundle’s.' }),
    onNameClash: t.field({ type: NameClashEnum, description: 'When the name is taken; FAIL by default.' }),
    onTemplateClash: t.field({
      type: TemplateClashEnum,
      description: 'When a different template of a bundled template’s name exists; FAIL by default.',
    }),
    references: t.field({
      type: [
        builder.inputType('ImportReferenceMapping', {
          description: 'Satisfies a bundle reference with a local thing of another name.',
          fields: (f) => ({
            kind: f.field({ type: ReferenceKindEnum, required: true, description: 'Kind of thing.' }),
            name: f.string({ required: true, description: 'Name in the bundle.' }),
            use: f.string({ required: true, description: 'Name of the local thing to use instead.' }),
          }),
        }),
      ],
      description: 'References to map to other local things.',
    }),
    secrets: t.field({
      type: [
        builder.inputType('ImportSecretValue', {
          description: 'A value for a secret the bundle left out.',
          fields: (f) => ({
            step: f.string({ description: 'Step key (or give `template`).' }),
            template: f.string({ description: 'Action template name.' }),
            field: f.string({
              required: true,
              description: 'Field, as the bundle’s `secrets` list names it.',
            }),
            value: f.field({ type: 'JSON', required: true, description: 'The value.' }),
          }),
        }),
      ],
      description: 'Values for the bundle’s secrets.',
    }),
  }),
});

type DocumentArgs = { document?: string | null; bundle?: Record<string, unknown> | null };

function bundleInput(args: DocumentArgs): string | Record<string, unknown> {
  if (args.document != null && args.bundle != null) {
    throw new InputValidationError([
      { message: 'give either document or bundle, not both', path: ['document'] },
    ]);
  }
  const input = args.document ?? args.bundle;
  if (input == null) {
    throw new InputValidationError([
      {
        message: 'give the bundle as document (YAML or JSON text) or bundle (an object)',
        path: ['document'],
      },
    ]);
  }
  return input;
}

const toOptions = (options: object | null | undefined) => (options ?? {}) as ImportOptions;

builder.queryFields((t) => ({
  exportFlow: t.field({
    type: ExportRef,
    description:
      'A flow as a self-contained bundle: settings, steps, edges, positions and its action templates; nodes, tablets and other flows by name; no secrets.',
    authScopes: { read: true },
    errors: { types: [NotFoundError] },
    args: {
      id: t.arg.globalID({ required: true, description: 'Global ID of the flow.' }),
      format: t.arg({ type: BundleFormatEnum, defaultValue: 'yaml', description: 'YAML (default) or JSON.' }),
    },
    resolve: async (_root, { id, format }, { em, services }) => {
      const result = await services.bundles.export(em, id.id, (format ?? 'yaml') as BundleFormat);
      return { format: format ?? 'yaml', ...result };
    },
  }),
  previewImport: t.field({
    type: ImportReportRef,
    description:
      'Checks a bundle without writing: per-step status (ok, migrated, problem), references and what would satisfy them, secrets to supply, name clashes.',
    authScopes: { read: true },
    errors: { types: [InputValidationError] },
    args: {
      document: t.arg.string({ description: 'The bundle as YAML or JSON text.' }),
      bundle: t.arg({ type: 'JSONObject', description: 'The bundle as an object (instead of `document`).' }),
      options: t.arg({ type: OptionsInput, description: 'Choices for the import.' }),
    },
    resolve: (_root, args, { em, services }) =>
      services.bundles.preview(em, bundleInput(args), toOptions(args.options)),
  }),
}));

builder.mutationFields((t) => ({
  importFlow: t.field({
    type: FlowImportRef,
    description: 'Imports a bundle in one transaction: all or nothing. Preview first to see the report.',
    authScopes: { write: true },
    errors: { types: [InputValidationError, ImportRejectedError, NameTakenError] },
    args: {
      document: t.arg.string({ description: 'The bundle as YAML or JSON text.' }),
      bundle: t.arg({ type: 'JSONObject', description: 'The bundle as an object (instead of `document`).' }),
      options: t.arg({ type: OptionsInput, description: 'Choices for the import.' }),
    },
    resolve: (_root, args, { em, services, actor }) =>
      services.bundles.import(em, bundleInput(args), toOptions(args.options), authorOf(actor)),
  }),
}));
