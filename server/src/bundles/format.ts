import fs from 'node:fs';
import { z } from 'zod';
import { loadYaml } from '../config/yaml.js';
import { ERROR_STRATEGIES, RUN_MODES } from '../db/entities/index.js';

/** What a bundle says it is; anything else is refused before its contents are read. */
export const BUNDLE_KIND = 'kinflow/flow-bundle';
/** Version of the bundle layout itself (not of step configs, which carry their own). */
export const BUNDLE_FORMAT_VERSION = 1;
/** Upper bound on the text of one bundle, so a pasted document cannot tie up the parser. */
export const MAX_BUNDLE_CHARS = 2_000_000;

export const REFERENCE_KINDS = ['node', 'device', 'flow'] as const;
export type ReferenceKind = (typeof REFERENCE_KINDS)[number];

const name = z.string().trim().min(1).max(120);
const configObject = z.record(z.string(), z.unknown());

const bundleStep = z
  .object({
    key: z.string().min(1).max(64),
    type: z.string().min(1).max(64),
    configVersion: z.number().int().min(1).default(1),
    label: z.string().max(200).default(''),
    position: z.object({ x: z.number().finite(), y: z.number().finite() }).default({ x: 0, y: 0 }),
    enabled: z.boolean().default(true),
    onError: z.enum(ERROR_STRATEGIES).default('stop'),
    retryAttempts: z.number().int().min(1).max(10).default(3),
    timeoutMs: z.number().int().min(100).max(3_600_000).optional(),
    /** Name of an action template in `actionTemplates`; `config` then holds only the overrides. */
    actionTemplate: name.optional(),
    config: configObject.default({}),
  })
  .strict();

const bundleTemplate = z
  .object({
    name,
    type: z.string().min(1).max(64),
    description: z.string().max(2000).default(''),
    configVersion: z.number().int().min(1).default(1),
    config: configObject.default({}),
  })
  .strict();

/** Where a reference or secret sits: a step's config, or an action template's. */
const usedBy = z
  .object({ step: z.string().optional(), template: z.string().optional(), field: z.string() })
  .strict();

/** A reference to something outside the flow, by its stable name, and where the bundle uses it. */
const bundleReference = z
  .object({ kind: z.enum(REFERENCE_KINDS), name: z.string().min(1), usedBy: z.array(usedBy).default([]) })
  .strict();

/**
 * A value the bundle deliberately does not carry. `on_import` values are given in the import options
 * (else the import is refused); `after_import` ones are issued afresh by the new server (webhook URLs).
 */
const bundleSecret = z
  .object({
    step: z.string().optional(),
    template: z.string().optional(),
    field: z.string().min(1),
    fill: z.enum(['on_import', 'after_import']).default('on_import'),
    hint: z.string().default(''),
  })
  .strict();

export const bundleSchema = z
  .object({
    kind: z.literal(BUNDLE_KIND),
    formatVersion: z.number().int().min(1).max(BUNDLE_FORMAT_VERSION),
    kinflowVersion: z.string().max(40).default('unknown'),
    flow: z
      .object({
        name,
        description: z.string().max(2000).default(''),
        enabled: z.boolean().default(true),
        defaultStepTimeoutMs: z.number().int().min(100).max(3_600_000).default(30000),
        maxExecutions: z.number().int().min(1).max(100_000).default(100),
        cooloffMinutes: z.number().int().min(0).max(10_080).default(0),
        runMode: z.enum(RUN_MODES).default('parallel'),
        maxConcurrentRuns: z.number().int().min(1).max(1000).default(10),
      })
      .strict(),
    steps: z.array(bundleStep).max(500).default([]),
    edges: z
      .array(
        z.object({ source: z.string(), sourcePort: z.string().default('main'), target: z.string() }).strict(),
      )
      .max(2000)
      .default([]),
    actionTemplates: z.array(bundleTemplate).max(200).default([]),
    references: z.array(bundleReference).max(2000).default([]),
    secrets: z.array(bundleSecret).max(500).default([]),
  })
  .strict();

export type FlowBundle = z.output<typeof bundleSchema>;
export type BundleStep = FlowBundle['steps'][number];
export type BundleTemplate = FlowBundle['actionTemplates'][number];
export type BundleReference = FlowBundle['references'][number];
export type BundleSecret = FlowBundle['secrets'][number];

export type BundleFormat = 'yaml' | 'json';

/** The Kinflow version that writes bundles: the server package's own version. */
export const KINFLOW_VERSION: string = (
  JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Bundle text in the chosen format. Keys keep the order they were built in, so output is stable. */
export function serializeBundle(bundle: FlowBundle, format: BundleFormat): string {
  return format === 'json'
    ? `${JSON.stringify(bundle, null, 2)}\n`
    : loadYaml().stringify(bundle, { lineWidth: 0, aliasDuplicateObjects: false });
}

export interface ParseProblem {
  field: string;
  message: string;
}

/**
 * Reads a bundle from YAML or JSON text (JSON is YAML, so one parser reads both) or from an object
 * already parsed, and checks its shape. Step configs are checked later, against their step types.
 */
export function parseBundle(
  input: string | Record<string, unknown>,
): { bundle: FlowBundle; problems: [] } | { bundle: undefined; problems: ParseProblem[] } {
  let value: unknown = input;
  if (typeof input === 'string') {
    if (input.length > MAX_BUNDLE_CHARS) {
      return fail('document', `the bundle is longer than ${MAX_BUNDLE_CHARS} characters`);
    }
    try {
      // Aliases are a YAML bomb's tool; a bundle never needs many of them.
      value = loadYaml().parse(input, { maxAliasCount: 100, uniqueKeys: true });
    } catch (error) {
      return fail('document', `not YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return fail('document', 'a bundle is a YAML or JSON object');
  }
  const kind = (value as { kind?: unknown }).kind;
  if (kind !== BUNDLE_KIND) return fail('kind', `not a Kinflow flow bundle (kind must be "${BUNDLE_KIND}")`);
  const version = (value as { formatVersion?: unknown }).formatVersion;
  if (typeof version === 'number' && version > BUNDLE_FORMAT_VERSION) {
    return fail(
      'formatVersion',
      `bundle format ${version} is newer than this server reads (${BUNDLE_FORMAT_VERSION}); upgrade Kinflow`,
    );
  }
  const parsed = bundleSchema.safeParse(value);
  if (!parsed.success) {
    return {
      bundle: undefined,
      problems: parsed.error.issues.map((issue) => ({
        field: issue.path.map(String).join('.') || 'document',
        message: issue.message,
      })),
    };
  }
  return { bundle: parsed.data, problems: [] };
}

function fail(field: string, message: string) {
  return { bundle: undefined, problems: [{ field, message }] };
}
