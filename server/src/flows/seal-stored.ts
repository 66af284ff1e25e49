import { sealConfig, type SecretSealer } from '../crypto/sealed-config.js';
import type { SqliteDatabase } from '../engine/sqlite.js';
import type { StepTypeRegistry } from '../steps/registry.js';

/**
 * Seals secret values that step configs saved before secrets were sealed still hold in plain text.
 * Runs at startup; idempotent (sealed values are left as they are), so it costs one read of the steps.
 */
export function sealStoredSecrets(
  db: SqliteDatabase,
  registry: StepTypeRegistry,
  secrets: SecretSealer,
): number {
  const rows = db.prepare(`select id, type, config from flow_steps`).all() as Array<{
    id: string;
    type: string;
    config: string;
  }>;
  const update = db.prepare(`update flow_steps set config = ? where id = ?`);
  let sealed = 0;
  for (const row of rows) {
    if (!registry.get(row.type)) continue;
    const config = JSON.parse(row.config) as Record<string, unknown>;
    const next = sealConfig(registry.jsonSchema(row.type), config, secrets);
    if (next === config) continue;
    update.run(JSON.stringify(next), row.id);
    sealed++;
  }
  return sealed;
}
