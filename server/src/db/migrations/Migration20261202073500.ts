import { Migration } from '../migration.js';

/** flows.updated_by: who saved a flow last (a display name), for the editor's conflict dialog. */
export class Migration20261202073500 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`flows\` add column \`updated_by\` text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table \`flows\` drop column \`updated_by\`;`);
  }
}
