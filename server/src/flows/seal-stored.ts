import { sealConfig, type SecretSealer } from '../crypto/sealed-config.js';
import type { SqliteDatabase } from '../engine/sqlite.js';
import type { StepTypeRegistry } from '../steps/registry.js';

/**
 * A step config with its secret values sealed: those its type's schema marks and, inside
 * for_each_node, those of the action it runs (free-form in for_each_node's own schema), as the bundle
 * export finds them.
 */
export function sealStepConfig(
  registry: StepTypeRegistry,
  type: string,
  config: Record<string, unknown>,
  secrets: Pick<SecretSealer, 'seal'>,
): Record<string, unknown> {
  if (!registry.get(type)) return config;
  const outer = sealConfig(registry.jsonSchema(type), config, secrets);
  const action = outer.action as { type?: unknown; config?: unknown } | undefined;
  const inner = action?.config;
  if (type !== 'for_each_node' || typeof action?.type !== 'string' || !isObject(inner)) return outer;
  const sealedInner = sealStepConfig(registry, action.type, inner, secrets);
  return sealedInner === inner ? outer : { ...outer, action: { ...action, config: sealedInner } };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Tables whose rows hold a step config: a step's own, and an action template's. */
const TABLES = ['flow_steps', 'flow_action_templates'] as const;

/**
 * Seals secret values that step and action template configs saved before secrets were sealed (or
 * before their type marked a field secret) still hold in plain text. Runs at startup; idempotent
 * (sealed values are left as they are), so it costs one read of the steps and templates.
 */
export function sealStoredSecrets(
  db: SqliteDatabase,
  registry: StepTypeRegistry,
  secrets: SecretSealer,
): number {
  let sealed = 0;
  for (const table of TABLES) {
    const rows = db.prepare(`select id, type, config from ${table}`).all() as Array<{
      id: string;
      type: string;
      config: string;
    }>;
    const update = db.prepare(`update ${table} set config = ? where id = ?`);
    for (const row of rows) {
      const config = JSON.parse(row.config) as Record<string, unknown>;
      const next = sealStepConfig(registry, row.type, config, secrets);
      if (next === config) continue;
      update.run(JSON.stringify(next), row.id);
      sealed++;
    }
  }
  return sealed;
}
