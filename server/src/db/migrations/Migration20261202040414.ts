import { Migration } from '../migration.js';

/**
 * Tablets: voice and locale, revocation, pairing codes, prompt targets and answers, announcement /
 * popup / info card deliveries, info card alt text.
 *
 * Written by hand from the generated diff, which also proposed rebuilding unrelated tables through
 * `__temp_alter` copies with no real change (see Migration20261123094452).
 */
export class Migration20261202040414 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`device_pairings\` (\`id\` text not null, \`device_id\` text not null, \`code_hash\` text not null, \`expires_at\` datetime not null, \`used_at\` datetime null, \`created_at\` datetime not null, constraint \`device_pairings_device_id_foreign\` foreign key(\`device_id\`) references \`devices\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`device_pairings_device_id_index\` on \`device_pairings\` (\`device_id\`);`);
    this.addSql(`create unique index \`device_pairings_code_hash_unique\` on \`device_pairings\` (\`code_hash\`);`);
    this.addSql(`create table \`tablet_deliveries\` (\`id\` text not null, \`kind\` text check (\`kind\` in ('announcement', 'popup', 'card')) not null, \`device_id\` text null, \`room\` text null, \`execution_id\` text null, \`step_key\` text null, \`payload\` json not null, \`reports\` json not null, \`expires_at\` datetime not null, \`created_at\` datetime not null, constraint \`tablet_deliveries_device_id_foreign\` foreign key(\`device_id\`) references \`devices\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`tablet_deliveries_device_id_index\` on \`tablet_deliveries\` (\`device_id\`);`);
    this.addSql(`create index \`tablet_deliveries_expires_at_index\` on \`tablet_deliveries\` (\`expires_at\`);`);
    this.addSql(`alter table \`devices\` add column \`locale\` text not null default 'en-GB';`);
    this.addSql(`alter table \`devices\` add column \`voice_name\` text null;`);
    this.addSql(`alter table \`devices\` add column \`voice_rate\` real not null default 0.9;`);
    this.addSql(`alter table \`devices\` add column \`revoked_at\` datetime null;`);
    this.addSql(`alter table \`info_cards\` add column \`image_alt\` text null;`);
    this.addSql(`alter table \`prompts\` add column \`room\` text null;`);
    this.addSql(`alter table \`prompts\` add column \`answer_id\` text null;`);
    this.addSql(`alter table \`prompts\` add column \`answered_by_id\` text null;`);
    this.addSql(`alter table \`prompts\` add column \`answered_by_name\` text null;`);
  }
}
