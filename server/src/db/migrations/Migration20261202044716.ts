import { Migration } from '../migration.js';

/**
 * person_activities for activity_record and verification.
 *
 * Written by hand from the generated diff, which (as in Migration20261123094452) also proposed
 * rebuilding unrelated tables through `__temp_alter` copies with no real change.
 */
export class Migration20261202044716 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`person_activities\` (\`id\` text not null, \`type\` text not null, \`person\` text null, \`room\` text null, \`confidence\` real not null, \`metadata\` json not null, \`occurred_at\` datetime not null, \`flow_id\` text null, \`execution_id\` text null, \`step_key\` text null, \`created_at\` datetime not null, constraint \`person_activities_flow_id_foreign\` foreign key(\`flow_id\`) references \`flows\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`person_activities_flow_id_index\` on \`person_activities\` (\`flow_id\`);`);
    this.addSql(`create index \`person_activities_type_occurred_at_index\` on \`person_activities\` (\`type\`, \`occurred_at\`);`);
    this.addSql(`create index \`person_activities_person_occurred_at_index\` on \`person_activities\` (\`person\`, \`occurred_at\`);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`person_activities\`;`);
  }
}
