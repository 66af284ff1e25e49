import type { EntityManager } from '@mikro-orm/better-sqlite';
import { Flow, FlowEdge, FlowStep, type FlowActionTemplate } from '../db/entities/index.js';
import { NotFoundError } from '../flows/errors.js';
import type { StepTypeRegistry } from '../steps/registry.js';
import {
  BUNDLE_FORMAT_VERSION,
  BUNDLE_KIND,
  bundleSchema,
  KINFLOW_VERSION,
  type BundleReference,
  type BundleSecret,
  type FlowBundle,
} from './format.js';
import { currentConfigVersion } from './migrations.js';
import { referenceSites, ReferenceResolver } from './references.js';
import { fieldOf, maskSecrets, setAt, type Path } from './secrets.js';

type Config = Record<string, unknown>;
type Owner = { step: string } | { template: string };

/**
 * The secret values in a config, removed: those its type's schema marks, and inside for_each_node
 * those of the action it runs (its config is free-form in for_each_node's own schema).
 */
export function withoutSecrets(
  registry: StepTypeRegistry,
  type: string,
  config: Config,
): { config: Config; fields: string[] } {
  if (!registry.get(type)) return { config, fields: [] };
  const outer = maskSecrets(registry.jsonSchema(type), config);
  const action = outer.config.action as { type?: unknown; config?: unknown } | undefined;
  if (type !== 'for_each_node' || typeof action?.type !== 'string' || !action.config) return outer;
  const inner = withoutSecrets(registry, action.type, action.config as Config);
  if (inner.fields.length === 0) return outer;
  return {
    config: { ...outer.config, action: { ...action, config: inner.config } },
    fields: [
      ...outer.fields,
      ...inner.fields.map((field) => field.replace(/^config\./, 'config.action.config.')),
    ],
  };
}

/**
 * Builds the portable bundle of a flow: settings, steps, edges, positions and the action templates it
 * uses; outside things by name; no secrets (the `secrets` list says what the importer must supply).
 */
export async function exportFlow(
  em: EntityManager,
  registry: StepTypeRegistry,
  flowId: string,
): Promise<FlowBundle> {
  const flow = await em.findOne(Flow, { id: flowId });
  if (!flow) throw new NotFoundError('flow', flowId);
  const steps = await em.find(
    FlowStep,
    { flow },
    { populate: ['actionTemplate'], orderBy: { positionY: 'asc', positionX: 'asc', key: 'asc' } },
  );
  const edges = await em.find(FlowEdge, { flow }, { populate: ['source', 'target'] });
  const resolver = new ReferenceResolver(em);
  const references = new Map<string, BundleReference>();
  const secrets: BundleSecret[] = [];

  /** Masks secrets and replaces references by names; records both against their owner. */
  const portable = async (type: string, stored: Config, owner: Owner): Promise<Config> => {
    const { config, fields } = withoutSecrets(registry, type, stored);
    for (const field of fields) {
      secrets.push({
        ...owner,
        field,
        fill: 'on_import',
        hint: `secret ${field} of the ${type} is not exported`,
      });
    }
    let result = config;
    for (const site of referenceSites(type, config)) {
      const target = await resolver.byStoredValue(site.kind, site.value);
      const name = target?.name ?? site.value;
      if (result === stored) result = structuredClone(stored);
      let path: Path = site.path;
      // A nested flow is named in the bundle even when the step stored its id.
      if (type === 'trigger_flow' && site.path.join('.') === 'flowId') {
        setAt(result, ['flowId'], undefined);
        path = ['flowName'];
      }
      setAt(result, path, name);
      const key = `${site.kind}\u0000${name}`;
      const reference = references.get(key) ?? { kind: site.kind, name, usedBy: [] };
      reference.usedBy.push({ ...owner, field: fieldOf(path) });
      references.set(key, reference);
    }
    return sortedKeys(result) as Config;
  };

  const templates = new Map<string, FlowActionTemplate>();
  for (const step of steps)
    if (step.actionTemplate) templates.set(step.actionTemplate.name, step.actionTemplate);
  const actionTemplates = [];
  for (const template of [...templates.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    actionTemplates.push({
      name: template.name,
      type: template.type,
      description: template.description,
      configVersion: versionOf(registry, template.type),
      config: await portable(template.type, template.config, { template: template.name }),
    });
  }

  const bundleSteps = [];
  for (const step of steps) {
    if (step.type === 'webhook') {
      secrets.push({
        step: step.key,
        field: 'webhookUrl',
        fill: 'after_import',
        hint: 'the secret URL is not exported; issue a new one with issueWebhookUrl after importing',
      });
    }
    bundleSteps.push({
      key: step.key,
      type: step.type,
      configVersion: versionOf(registry, step.type),
      label: step.label,
      position: { x: step.positionX, y: step.positionY },
      enabled: step.enabled,
      onError: step.onError,
      retryAttempts: step.retryAttempts,
      ...(step.timeoutMs !== null && step.timeoutMs !== undefined && { timeoutMs: step.timeoutMs }),
      ...(step.actionTemplate && { actionTemplate: step.actionTemplate.name }),
      config: await portable(step.type, step.config, { step: step.key }),
    });
  }

  const bundle = {
    kind: BUNDLE_KIND,
    formatVersion: BUNDLE_FORMAT_VERSION,
    kinflowVersion: KINFLOW_VERSION,
    flow: {
      name: flow.name,
      description: flow.description,
      enabled: flow.enabled,
      defaultStepTimeoutMs: flow.defaultStepTimeoutMs,
      maxExecutions: flow.maxExecutions,
      cooloffMinutes: flow.cooloffMinutes,
      runMode: flow.runMode,
      maxConcurrentRuns: flow.maxConcurrentRuns,
    },
    steps: bundleSteps,
    edges: edges
      .map((edge) => ({ source: edge.source.key, sourcePort: edge.sourcePort, target: edge.target.key }))
      .sort((a, b) => compareEdges(a, b)),
    actionTemplates,
    references: [...references.values()].sort(
      (a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name),
    ),
    secrets,
  };
  // Parsing fixes the key order and proves the bundle reads back.
  return bundleSchema.parse(bundle);
}

const versionOf = (registry: StepTypeRegistry, type: string) => {
  const definition = registry.get(type);
  return definition ? currentConfigVersion(definition) : 1;
};

function compareEdges(
  a: { source: string; sourcePort: string; target: string },
  b: { source: string; sourcePort: string; target: string },
) {
  return (
    a.source.localeCompare(b.source) ||
    a.sourcePort.localeCompare(b.sourcePort) ||
    a.target.localeCompare(b.target)
  );
}

/** Config keys in a fixed order, so the same config always exports to the same text. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
  );
}
