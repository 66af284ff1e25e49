import type { StepTypeDefinition } from '../steps/step-type.js';

/** The config version a step type is at now (1 for a type that never changed shape). */
export function currentConfigVersion(definition: Pick<StepTypeDefinition, 'configVersion'>): number {
  return definition.configVersion ?? 1;
}

export type MigrationOutcome =
  | { ok: true; config: Record<string, unknown>; fromVersion: number; toVersion: number; migrated: boolean }
  | { ok: false; message: string };

/**
 * Brings a config written at `fromVersion` up to the type's current version by applying its
 * migrations in order. A config from a newer Kinflow cannot be understood and is refused.
 */
export function migrateConfig(
  definition: Pick<StepTypeDefinition, 'type' | 'configVersion' | 'migrations'>,
  fromVersion: number,
  config: Readonly<Record<string, unknown>>,
): MigrationOutcome {
  const toVersion = currentConfigVersion(definition);
  if (fromVersion > toVersion) {
    return {
      ok: false,
      message: `config version ${fromVersion} of "${definition.type}" is newer than this server knows (${toVersion}); upgrade Kinflow`,
    };
  }
  let current: Record<string, unknown> = structuredClone(config) as Record<string, unknown>;
  for (let version = fromVersion; version < toVersion; version++) {
    const migrate = definition.migrations?.[version];
    if (!migrate) {
      return {
        ok: false,
        message: `"${definition.type}" has no migration from config version ${version} to ${version + 1}`,
      };
    }
    try {
      current = migrate(current);
    } catch (error) {
      return {
        ok: false,
        message: `migrating "${definition.type}" from version ${version}: ${(error as Error).message}`,
      };
    }
  }
  return { ok: true, config: current, fromVersion, toVersion, migrated: fromVersion < toVersion };
}

/** Versions below the current one that lack a migration; a step type must have none. */
export function missingMigrations(
  definition: Pick<StepTypeDefinition, 'configVersion' | 'migrations'>,
): number[] {
  const missing: number[] = [];
  for (let version = 1; version < currentConfigVersion(definition); version++) {
    if (typeof definition.migrations?.[version] !== 'function') missing.push(version);
  }
  return missing;
}
