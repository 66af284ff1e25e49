import { isDeepStrictEqual } from 'node:util';
import type { EntityManager } from '@mikro-orm/better-sqlite';
import { Flow, FlowActionTemplate } from '../db/entities/index.js';
import type { ActionTemplateService } from '../flows/action-templates.js';
import type { Author, FlowService, FlowSettingsInput, StepInput } from '../flows/service.js';
import type { StepTypeRegistry } from '../steps/registry.js';
import { parseBundle, type BundleSecret, type FlowBundle, type ReferenceKind } from './format.js';
import { migrateConfig } from './migrations.js';
import { ReferenceResolver, storedValueFor } from './references.js';
import { pathOf, setAt, valueAt } from './secrets.js';

export type ClashChoice = 'fail' | 'rename' | 'replace';
export type TemplateClashChoice = ClashChoice | 'use_existing';

export interface ImportOptions {
  /** Import under this name instead of the bundle's. */
  name?: string | null;
  /** A flow of that name exists: refuse (default), import as "Name (2)", or replace its settings and graph. */
  onNameClash?: ClashChoice | null;
  /** A different action template of that name exists: refuse (default), rename, replace it, or use it. */
  onTemplateClash?: TemplateClashChoice | null;
  /** Satisfies a reference with another local thing: `{ kind: 'node', name: 'garage-pi', use: 'shed-pi' }`. */
  references?: Array<{ kind: ReferenceKind; name: string; use: string }> | null;
  /** Values for the secrets the bundle left out, by step (or template) and field. */
  secrets?: Array<{ step?: string | null; template?: string | null; field: string; value: unknown }> | null;
}

export interface ImportProblem {
  code: string;
  message: string;
  stepKey?: string;
  template?: string;
  field?: string;
}

export interface StepReport {
  key: string;
  type: string;
  status: 'ok' | 'migrated' | 'problem';
  fromVersion: number;
  toVersion: number;
  problems: ImportProblem[];
}

export interface TemplateReport {
  name: string;
  type: string;
  /** What the import does with it; `importedAs` is the name the steps will use. */
  action: 'create' | 'reuse' | 'replace' | 'rename' | 'clash';
  importedAs: string;
  status: 'ok' | 'migrated' | 'problem';
  problems: ImportProblem[];
}

export interface ReferenceReport {
  kind: ReferenceKind;
  name: string;
  usedBy: Array<{ step?: string; template?: string; field: string }>;
  resolved: boolean;
  /** The local thing's name when resolved. */
  resolvedTo: string | null;
  hint: string | null;
}

export interface SecretReport {
  step: string | null;
  template: string | null;
  field: string;
  fill: 'on_import' | 'after_import';
  provided: boolean;
  hint: string;
}

export interface ImportReport {
  /** True when importFlow with the same options would succeed. */
  valid: boolean;
  formatVersion: number | null;
  kinflowVersion: string | null;
  /** The name the flow would get. */
  flowName: string | null;
  nameClash: { name: string; existingFlowId: string; resolution: ClashChoice } | null;
  steps: StepReport[];
  templates: TemplateReport[];
  references: ReferenceReport[];
  secrets: SecretReport[];
  /** Every problem that blocks the import, the per-step ones included. */
  problems: ImportProblem[];
}

/** What the import writes once the report is clean. */
interface Plan {
  replaceFlowId: string | null;
  settings: FlowSettingsInput & { name: string };
  templates: Array<{
    bundleName: string;
    action: 'create' | 'replace' | 'reuse';
    name: string;
    type: string;
    description: string;
    config: Record<string, unknown>;
    existingId?: string;
  }>;
  steps: Array<StepInput & { templateName?: string }>;
  edges: FlowBundle['edges'];
}

export class ImportRejectedError extends Error {
  override name = 'ImportRejectedError';
  /** The API's error code resolver upper-cases this: IMPORT_REJECTED. */
  readonly code = 'import_rejected';
  constructor(readonly report: ImportReport) {
    super(
      report.problems.length === 1
        ? report.problems[0]!.message
        : `the bundle cannot be imported: ${report.problems.length} problems`,
    );
  }
}

type Config = Record<string, unknown>;

/**
 * Reads a bundle and works out everything an import would do — migrations, names, references,
 * secrets, template clashes, and the flow's own validation — without writing anything.
 */
export async function planImport(
  em: EntityManager,
  services: {
    registry: StepTypeRegistry;
    flows: FlowService;
    /** Opens a stored template's sealed secrets, to compare it with the bundle's. */
    actionTemplates?: Pick<ActionTemplateService, 'opened'>;
  },
  input: string | Config,
  options: ImportOptions = {},
): Promise<{ report: ImportReport; plan?: Plan }> {
  const report: ImportReport = {
    valid: false,
    formatVersion: null,
    kinflowVersion: null,
    flowName: null,
    nameClash: null,
    steps: [],
    templates: [],
    references: [],
    secrets: [],
    problems: [],
  };
  const parsed = parseBundle(input);
  if (!parsed.bundle) {
    report.problems = parsed.problems.map((problem) => ({
      code: 'invalid_bundle',
      ...problem,
      message: `${problem.field}: ${problem.message}`,
    }));
    return { report };
  }
  const bundle = parsed.bundle;
  const { registry, flows } = services;
  const problems = report.problems;
  Object.assign(report, { formatVersion: bundle.formatVersion, kinflowVersion: bundle.kinflowVersion });

  // The flow's name, and what to do when it is taken.
  const wanted = (options.name ?? bundle.flow.name).trim();
  const clash = await em.findOne(Flow, { name: wanted }, { fields: ['id', 'version'] });
  const onClash = options.onNameClash ?? 'fail';
  let flowName = wanted;
  if (clash) {
    report.nameClash = { name: wanted, existingFlowId: clash.id, resolution: onClash };
    if (onClash === 'fail') {
      problems.push({
        code: 'name_taken',
        field: 'flow.name',
        message: `a flow named "${wanted}" already exists; import it under another name, or choose RENAME or REPLACE`,
      });
    } else if (onClash === 'rename') flowName = await freeName(em, Flow, wanted);
  }
  report.flowName = flowName;

  // Secrets: the bundle lists what it left out; the options supply the values.
  const provided = (secret: BundleSecret) =>
    options.secrets?.find(
      (given) =>
        (given.step ?? undefined) === secret.step &&
        (given.template ?? undefined) === secret.template &&
        given.field === secret.field,
    );
  for (const secret of bundle.secrets) {
    const given = provided(secret);
    report.secrets.push({
      step: secret.step ?? null,
      template: secret.template ?? null,
      field: secret.field,
      fill: secret.fill,
      provided: given !== undefined,
      hint: secret.hint,
    });
    if (secret.fill === 'on_import' && given === undefined) {
      problems.push({
        code: 'missing_secret',
        ...(secret.step && { stepKey: secret.step }),
        ...(secret.template && { template: secret.template }),
        field: secret.field,
        message: `${secret.step ? `step "${secret.step}"` : `template "${secret.template}"`}: ${secret.field} is a secret the bundle does not carry; give it in the import options`,
      });
    }
  }
  const missingSecret = (owner: { step?: string; template?: string }, field: string) =>
    bundle.secrets.some(
      (secret) =>
        secret.field === field &&
        secret.step === owner.step &&
        secret.template === owner.template &&
        !provided(secret),
    );
  const fillSecrets = (owner: { step?: string; template?: string }, config: Config) => {
    for (const secret of bundle.secrets) {
      if (secret.fill !== 'on_import' || secret.step !== owner.step || secret.template !== owner.template)
        continue;
      const given = provided(secret);
      if (given) setAt(config, pathOf(secret.field), given.value);
    }
  };

  // References, by name, to things on this server.
  const resolver = new ReferenceResolver(em);
  const resolved = new Map<string, string>();
  for (const reference of bundle.references) {
    const use =
      options.references?.find((r) => r.kind === reference.kind && r.name === reference.name)?.use ??
      reference.name;
    const found = await resolver.byName(reference.kind, use);
    const entry: ReferenceReport = {
      kind: reference.kind,
      name: reference.name,
      usedBy: reference.usedBy,
      resolved: found.length === 1,
      resolvedTo: found.length === 1 ? found[0]!.name : null,
      hint: null,
    };
    if (found.length === 1)
      resolved.set(`${reference.kind}\u0000${reference.name}`, storedValueFor(reference.kind, found[0]!));
    else {
      entry.hint =
        found.length > 1
          ? `${found.length} ${reference.kind}s are called "${use}"; rename one or map this reference to another`
          : `create a ${reference.kind} named "${use}", or map the reference to an existing one in the import options`;
      problems.push({
        code: found.length > 1 ? 'ambiguous_reference' : 'unresolved_reference',
        field: reference.usedBy[0]?.field ?? 'references',
        ...(reference.usedBy[0]?.step && { stepKey: reference.usedBy[0].step }),
        message: `${reference.kind} "${use}" ${found.length > 1 ? 'is ambiguous' : 'does not exist here'} (used by ${reference.usedBy.map((u) => u.step ?? u.template).join(', ') || 'nothing'})`,
      });
    }
    report.references.push(entry);
  }
  const fillReferences = (owner: { step?: string; template?: string }, config: Config) => {
    for (const reference of bundle.references) {
      const value = resolved.get(`${reference.kind}\u0000${reference.name}`);
      if (value === undefined) continue;
      for (const site of reference.usedBy) {
        if (site.step === owner.step && site.template === owner.template)
          setAt(config, pathOf(site.field), value);
      }
    }
  };

  /** Migrates, fills secrets and references; returns the config ready to save (or undefined on failure). */
  const prepare = (
    type: string,
    version: number,
    stored: Config,
    owner: { step?: string; template?: string },
    sink: ImportProblem[],
  ) => {
    const definition = registry.get(type);
    if (!definition) {
      // For steps the graph validation reports the unknown type (with a suggestion); templates have none.
      if (owner.template)
        sink.push({
          code: 'unknown_step_type',
          ...ownerFields(owner),
          field: 'type',
          message: `${describe(owner)}: step type "${type}" is not installed here`,
        });
      return undefined;
    }
    const migrated = migrateConfig(definition, version, stored);
    if (!migrated.ok) {
      sink.push({
        code: 'migration_failed',
        ...ownerFields(owner),
        field: 'configVersion',
        message: `${describe(owner)}: ${migrated.message}`,
      });
      return undefined;
    }
    fillSecrets(owner, migrated.config);
    fillReferences(owner, migrated.config);
    return migrated;
  };

  // Action templates the flow uses.
  const plan: Plan = {
    replaceFlowId: clash && onClash === 'replace' ? clash.id : null,
    settings: { ...bundle.flow, name: flowName },
    templates: [],
    steps: [],
    edges: bundle.edges,
  };
  const templateConfigs = new Map<string, Config>();
  const onTemplateClash = options.onTemplateClash ?? 'fail';
  for (const template of bundle.actionTemplates) {
    const own: ImportProblem[] = [];
    const owner = { template: template.name };
    const prepared = prepare(template.type, template.configVersion, template.config, owner, own);
    const entry: TemplateReport = {
      name: template.name,
      type: template.type,
      action: 'create',
      importedAs: template.name,
      status: 'ok',
      problems: own,
    };
    report.templates.push(entry);
    if (!prepared) continue;
    if (prepared.migrated) entry.status = 'migrated';
    const parsedConfig = registry.get(template.type)!.configSchema.safeParse(prepared.config);
    if (
      !parsedConfig.success &&
      !parsedConfig.error.issues.every((issue) => missingSecret(owner, ['config', ...issue.path].join('.')))
    ) {
      for (const issue of parsedConfig.error.issues) {
        const field = ['config', ...issue.path.map(String)].join('.');
        own.push({
          code: 'invalid_config',
          template: template.name,
          field,
          message: `template "${template.name}": ${field}: ${issue.message}`,
        });
      }
    }
    templateConfigs.set(template.name, prepared.config);
    const existing = await em.findOne(FlowActionTemplate, { name: template.name });
    const existingConfig = existing
      ? (services.actionTemplates?.opened(existing.config) ?? existing.config)
      : undefined;
    // A secret the bundle left out and the import does not supply: the template here keeps its own.
    const comparable = structuredClone(prepared.config);
    for (const secret of bundle.secrets)
      if (secret.template === template.name && !provided(secret) && existingConfig)
        setAt(comparable, pathOf(secret.field), valueAt(existingConfig, pathOf(secret.field)));
    const base = {
      bundleName: template.name,
      type: template.type,
      description: template.description,
      config: prepared.config,
    };
    if (!existing) {
      plan.templates.push({ ...base, action: 'create', name: template.name });
    } else if (existing.type === template.type && isDeepStrictEqual(existingConfig, comparable)) {
      entry.action = 'reuse';
      // The template here runs, with its own secrets (which the bundle may have left out).
      templateConfigs.set(template.name, existing.config);
      plan.templates.push({ ...base, action: 'reuse', name: existing.name, existingId: existing.id });
    } else if (
      onTemplateClash === 'fail' ||
      (existing.type !== template.type && onTemplateClash !== 'rename')
    ) {
      entry.action = 'clash';
      own.push({
        code: 'template_clash',
        template: template.name,
        field: 'actionTemplates',
        message: `an action template named "${template.name}" already exists here with ${existing.type === template.type ? 'another config' : `type ${existing.type}`}; choose RENAME${existing.type === template.type ? ', REPLACE or USE_EXISTING' : ''}`,
      });
    } else if (onTemplateClash === 'rename') {
      entry.action = 'rename';
      entry.importedAs = await freeName(em, FlowActionTemplate, template.name);
      plan.templates.push({ ...base, action: 'create', name: entry.importedAs });
    } else if (onTemplateClash === 'replace') {
      entry.action = 'replace';
      plan.templates.push({ ...base, action: 'replace', name: existing.name, existingId: existing.id });
    } else {
      entry.action = 'reuse';
      templateConfigs.set(template.name, existing.config);
      plan.templates.push({
        ...base,
        action: 'reuse',
        name: existing.name,
        existingId: existing.id,
        config: existing.config,
      });
    }
  }
  for (const entry of report.templates) {
    if (entry.problems.length) entry.status = 'problem';
    problems.push(...entry.problems);
  }
  // A template reused as it is here needs none of the secrets the bundle left out.
  const reused = new Set(report.templates.filter((t) => t.action === 'reuse').map((t) => t.name));
  for (let index = problems.length - 1; index >= 0; index--) {
    const problem = problems[index]!;
    if (problem.code === 'missing_secret' && problem.template && reused.has(problem.template))
      problems.splice(index, 1);
  }

  // Steps: migrate, fill in, then validate the whole graph the way a save would.
  const checked: StepInput[] = [];
  for (const step of bundle.steps) {
    const own: ImportProblem[] = [];
    const definition = registry.get(step.type);
    const entry: StepReport = {
      key: step.key,
      type: step.type,
      status: 'ok',
      fromVersion: step.configVersion,
      toVersion: definition?.configVersion ?? 1,
      problems: own,
    };
    report.steps.push(entry);
    const prepared = prepare(step.type, step.configVersion, step.config, { step: step.key }, own);
    if (prepared?.migrated) entry.status = 'migrated';
    const config = prepared?.config ?? step.config;
    if (step.actionTemplate && !templateConfigs.has(step.actionTemplate)) {
      own.push({
        code: 'unknown_template',
        stepKey: step.key,
        field: 'actionTemplate',
        message: `step "${step.key}" uses action template "${step.actionTemplate}", which the bundle does not include`,
      });
    }
    const input: StepInput & { templateName?: string } = {
      key: step.key,
      type: step.type,
      config,
      label: step.label,
      positionX: step.position.x,
      positionY: step.position.y,
      enabled: step.enabled,
      onError: step.onError,
      retryAttempts: step.retryAttempts,
      timeoutMs: step.timeoutMs ?? null,
      ...(step.actionTemplate && { templateName: step.actionTemplate }),
    };
    plan.steps.push(input);
    // Validation sees what would run: the template's config with the step's overrides on top.
    const template = step.actionTemplate ? templateConfigs.get(step.actionTemplate) : undefined;
    checked.push({
      ...input,
      config: template ? { ...template, ...config } : config,
      actionTemplateId: null,
    });
  }
  for (const issue of await flows.check(em, { steps: checked, edges: bundle.edges })) {
    const owner = { step: issue.stepKey };
    const templateName = bundle.steps.find((step) => step.key === issue.stepKey)?.actionTemplate;
    // A secret still to be supplied (the step's or its template's) is reported as such, not as the
    // schema error its absence causes.
    if (
      issue.code === 'invalid_config' &&
      issue.field &&
      (missingSecret(owner, issue.field) ||
        (templateName && !reused.has(templateName) && missingSecret({ template: templateName }, issue.field)))
    )
      continue;
    const entry = issue.stepKey ? report.steps.find((step) => step.key === issue.stepKey) : undefined;
    const problem: ImportProblem = {
      code: issue.code,
      message: issue.message,
      ...(issue.stepKey && { stepKey: issue.stepKey }),
      ...(issue.field && { field: issue.field }),
    };
    if (entry) entry.problems.push(problem);
    else problems.push(problem);
  }
  for (const entry of report.steps) {
    if (entry.problems.length) entry.status = 'problem';
    problems.push(...entry.problems);
  }
  report.valid = problems.length === 0;
  return report.valid ? { report, plan } : { report };
}

/** Writes a planned import in one transaction: templates first, the flow last, all or nothing. */
export async function commitImport(
  em: EntityManager,
  services: { flows: FlowService; actionTemplates: ActionTemplateService },
  plan: Plan,
  author: Author = null,
): Promise<Flow> {
  return em.transactional(async (tx) => {
    const templateIds = new Map<string, string>();
    for (const template of plan.templates) {
      if (template.action === 'reuse') templateIds.set(template.bundleName, template.existingId!);
      else if (template.action === 'replace') {
        await services.actionTemplates.update(tx, template.existingId!, {
          config: template.config,
          description: template.description,
        });
        templateIds.set(template.bundleName, template.existingId!);
      } else {
        const created = await services.actionTemplates.create(tx, {
          name: template.name,
          type: template.type,
          description: template.description,
          config: template.config,
        });
        templateIds.set(template.bundleName, created.id);
      }
    }
    const steps = plan.steps.map(({ templateName, ...step }) => ({
      ...step,
      actionTemplateId: templateName ? (templateIds.get(templateName) ?? null) : null,
    }));
    // The flow is written last, so nothing after it can fail once its change listeners have run.
    if (plan.replaceFlowId) {
      const current = await tx.findOneOrFail(Flow, { id: plan.replaceFlowId });
      return services.flows.update(
        tx,
        plan.replaceFlowId,
        plan.settings,
        {
          steps,
          edges: plan.edges,
          expectedVersion: current.version,
        },
        author,
      );
    }
    return services.flows.create(tx, plan.settings, { steps, edges: plan.edges }, author);
  });
}

async function freeName(
  em: EntityManager,
  entity: typeof Flow | typeof FlowActionTemplate,
  base: string,
): Promise<string> {
  for (let n = 2; n < 1000; n++) {
    const candidate = `${base.slice(0, 110)} (${n})`;
    if ((await em.count(entity as typeof Flow, { name: candidate })) === 0) return candidate;
  }
  throw new Error(`no free name for "${base}"`);
}

const ownerFields = (owner: { step?: string; template?: string }) => ({
  ...(owner.step && { stepKey: owner.step }),
  ...(owner.template && { template: owner.template }),
});
const describe = (owner: { step?: string; template?: string }) =>
  owner.step ? `step "${owner.step}"` : `template "${owner.template}"`;
