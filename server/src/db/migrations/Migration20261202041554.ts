import { Migration } from '../migration.js';

/**
 * The replayable execution event log (cursor = id) and the time a person last looked at what needs
 * attention. Written by hand from the generated diff, which again proposed rebuilding unchanged tables
 * through `__temp_alter` copies (see Migration20261123094452 for why that is dangerous).
 */
export class Migration20261202041554 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table \`flow_execution_events\` (\`id\` integer not null primary key autoincrement, \`execution_id\` text not null, \`flow_id\` text not null, \`flow_name\` text not null, \`seq\` integer not null, \`kind\` text not null, \`status\` text not null, \`step_key\` text null, \`step_type\` text null, \`ports\` json null, \`elapsed_ms\` integer null, \`error\` text null, \`at\` datetime not null);`,
    );
    this.addSql('alter table `users` add column `attention_seen_at` datetime null;');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `flow_execution_events`;');
    this.addSql('alter table `users` drop column `attention_seen_at`;');
  }
}
