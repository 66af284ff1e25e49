import { Migration } from '../migration.js';

/**
 * Drops telemetry_samples_node_id_index: the (node_id, metric, recorded_at) index already serves
 * lookups by node (leading column), and maintaining both halved the sample insert rate.
 *
 * Written by hand from the generated diff: on SQLite the generator also proposed rebuilding flows,
 * flow_executions, nodes, users and other tables through `__temp_alter` copies with no real change
 * (column default/check comparisons); inside the migration transaction `pragma foreign_keys = off`
 * is ignored, so `drop table flows` would have cascaded into steps and runs.
 */
export class Migration20261123094452 extends Migration {
  override async up(): Promise<void> {
    this.addSql('drop index if exists `telemetry_samples_node_id_index`;');
  }

  override async down(): Promise<void> {
    this.addSql(
      'create index if not exists `telemetry_samples_node_id_index` on `telemetry_samples` (`node_id`);',
    );
  }
}
