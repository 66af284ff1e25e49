import { sealConfig, type SecretSealer } from '../crypto/sealed-config.js';
import type { SqliteDatabase } from '../engine/sqlite.js';
import type { StepTypeRegistry } from '../steps/registry.js';

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
      if (!registry.get(row.type)) continue;
      const config = JSON.parse(row.config) as Record<string, unknown>;
      const next = sealConfig(registry.jsonSchema(row.type), config, secrets);
      if (next === config) continue;
      update.run(JSON.stringify(next), row.id);
      sealed++;
    }
  }
  return sealed;
}
