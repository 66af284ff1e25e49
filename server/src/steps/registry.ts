import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { StepReference, StepSettings, StepTypeDefinition } from './step-type.js';

const NOT_STEP_FILES = new Set(['registry', 'step-type', 'shared-schemas', 'index']);

export class StepTypeRegistry {
  private readonly byType = new Map<string, StepTypeDefinition>();
  private readonly jsonSchemas = new Map<string, Record<string, unknown>>();

  constructor(
    definitions: StepTypeDefinition[],
    /** What step types that depend on configuration (llm_call, ha_service) are checked against. */
    readonly settings: StepSettings = {},
  ) {
    for (const definition of definitions) {
      if (this.byType.has(definition.type)) {
        throw new Error(`step type "${definition.type}" is defined twice`);
      }
      this.byType.set(definition.type, definition);
    }
  }

  get(type: string): StepTypeDefinition | undefined {
    return this.byType.get(type);
  }

  list(): StepTypeDefinition[] {
    return [...this.byType.values()].sort(
      (a, b) => a.category.localeCompare(b.category) || a.type.localeCompare(b.type),
    );
  }

  /** The types that can run on this server: what `stepTypes` shows in the palette. */
  available(): StepTypeDefinition[] {
    return this.list().filter((definition) => !this.unavailable(definition.type));
  }

  /** Why a type cannot run here (its setting is missing), or undefined. */
  unavailable(type: string): string | undefined {
    return this.byType.get(type)?.unavailable?.(this.settings);
  }

  types(): string[] {
    return [...this.byType.keys()];
  }

  /** JSON Schema of a type's config: the same schema validates on the server and drives the PWA form. */
  jsonSchema(type: string): Record<string, unknown> {
    let schema = this.jsonSchemas.get(type);
    if (!schema) {
      const definition = this.byType.get(type);
      if (!definition) throw new Error(`unknown step type "${type}"`);
      schema = z.toJSONSchema(definition.configSchema, { io: 'input', unrepresentable: 'any' }) as Record<
        string,
        unknown
      >;
      const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
      for (const [field, hint] of Object.entries(definition.schemaHints?.(this.settings) ?? {})) {
        if (properties?.[field]) properties[field] = { ...properties[field], ...hint };
      }
      for (const reference of definition.references ?? []) markReference(schema, reference);
      this.jsonSchemas.set(type, schema);
    }
    return schema;
  }
}

/**
 * Marks the schema of a field that names another object with `x-reference` ({ entity, form }), so a form
 * generated from the schema offers a picker by name instead of a text box for an ID. Validators ignore
 * unknown keywords, so the annotation changes nothing about what is valid.
 */
function markReference(schema: Record<string, unknown>, reference: StepReference): void {
  let node: Record<string, unknown> | undefined = schema;
  for (const part of reference.path.split('.')) {
    const list = part.endsWith('[]');
    const properties = node?.properties as Record<string, Record<string, unknown>> | undefined;
    node = properties?.[list ? part.slice(0, -2) : part];
    if (node && list) node = node.items as Record<string, unknown> | undefined;
  }
  if (node) node['x-reference'] = { entity: reference.entity, form: reference.form ?? 'id' };
}

const stepsDir = path.dirname(fileURLToPath(import.meta.url));
const ownExtension = path.extname(fileURLToPath(import.meta.url));

/**
 * Imports every module in `dir` (sorted, skipping tests, declaration files and the `exclude`d base names)
 * and returns their default exports. Shared by the step type and channel registries, so "one file per
 * plug-in, no other change" works the same way for both.
 */
export async function importFolderDefaults<T>(
  dir: string,
  exclude: ReadonlySet<string>,
  isDefinition: (value: unknown) => value is T,
  what: string,
): Promise<T[]> {
  const files = fs
    .readdirSync(dir)
    .filter((file) => path.extname(file) === ownExtension && !file.endsWith(`.d${ownExtension}`))
    .filter((file) => !file.includes('.test.') && !exclude.has(path.basename(file, ownExtension)))
    .sort();
  const definitions: T[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(path.join(dir, file)).href)) as { default?: unknown };
    if (!isDefinition(module.default)) throw new Error(`${file} does not default-export a ${what}`);
    definitions.push(module.default);
  }
  return definitions;
}

const isStepType = (value: unknown): value is StepTypeDefinition =>
  typeof (value as StepTypeDefinition | undefined)?.type === 'string';

/**
 * Every file in this folder (other than the registry itself) default-exports one step type,
 * so a new file appears in the palette with no other change.
 */
export async function discoverStepTypes(
  dir = stepsDir,
  settings: StepSettings = {},
): Promise<StepTypeRegistry> {
  return new StepTypeRegistry(
    await importFolderDefaults(dir, NOT_STEP_FILES, isStepType, 'step type'),
    settings,
  );
}
