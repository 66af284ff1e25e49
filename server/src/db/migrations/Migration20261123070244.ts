import { Migration } from '../migration.js';

export class Migration20261123070244 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table \`devices\` (\`id\` text not null, \`name\` text not null, \`room\` text null, \`person\` text null, \`token_prefix\` text not null, \`token_hash\` text not null, \`last_seen_at\` datetime null, \`created_at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(`create unique index \`devices_token_hash_unique\` on \`devices\` (\`token_hash\`);`);

    this.addSql(
      `create table \`flows\` (\`id\` text not null, \`name\` text not null, \`description\` text not null default '', \`enabled\` integer not null default true, \`version\` integer not null default 1, \`default_step_timeout_ms\` integer not null default 30000, \`max_executions\` integer not null default 100, \`cooloff_minutes\` integer not null default 0, \`run_mode\` text check (\`run_mode\` in ('parallel', 'queued', 'single')) not null default 'parallel', \`max_concurrent_runs\` integer not null default 10, \`created_at\` datetime not null, \`updated_at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(`create unique index \`flows_name_unique\` on \`flows\` (\`name\`);`);

    this.addSql(
      `create table \`flow_action_templates\` (\`id\` text not null, \`name\` text not null, \`type\` text not null, \`description\` text not null default '', \`config\` json not null, \`created_at\` datetime not null, \`updated_at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(
      `create unique index \`flow_action_templates_name_unique\` on \`flow_action_templates\` (\`name\`);`,
    );

    this.addSql(
      `create table \`flow_executions\` (\`id\` text not null, \`flow_id\` text not null, \`flow_version\` integer not null, \`status\` text check (\`status\` in ('pending', 'running', 'waiting', 'completed', 'failed', 'cancelled')) not null default 'pending', \`trigger_type\` text not null, \`trigger_step_key\` text null, \`trigger_payload\` json not null, \`data\` json not null, \`snapshot\` json not null, \`current_step\` text null, \`completed_steps\` json not null, \`skipped_steps\` json not null, \`error\` json null, \`started_at\` datetime null, \`finished_at\` datetime null, \`duration_ms\` integer null, \`resume_at\` datetime null, \`waiting_for\` json null, \`cooloff_consumed\` integer not null default false, \`parent_execution_id\` text null, \`depth\` integer not null default 0, \`rerun_of_id\` text null, \`event_seq\` integer not null default 0, \`created_at\` datetime not null, constraint \`flow_executions_flow_id_foreign\` foreign key(\`flow_id\`) references \`flows\`(\`id\`) on delete cascade on update cascade, constraint \`flow_executions_parent_execution_id_foreign\` foreign key(\`parent_execution_id\`) references \`flow_executions\`(\`id\`) on delete set null on update cascade, constraint \`flow_executions_rerun_of_id_foreign\` foreign key(\`rerun_of_id\`) references \`flow_executions\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`flow_executions_flow_id_index\` on \`flow_executions\` (\`flow_id\`);`);
    this.addSql(
      `create index \`flow_executions_parent_execution_id_index\` on \`flow_executions\` (\`parent_execution_id\`);`,
    );
    this.addSql(
      `create index \`flow_executions_rerun_of_id_index\` on \`flow_executions\` (\`rerun_of_id\`);`,
    );
    this.addSql(
      `create index \`flow_executions_flow_id_created_at_index\` on \`flow_executions\` (\`flow_id\`, \`created_at\`);`,
    );
    this.addSql(
      `create index \`flow_executions_status_resume_at_index\` on \`flow_executions\` (\`status\`, \`resume_at\`);`,
    );

    this.addSql(
      `create table \`flow_execution_steps\` (\`id\` text not null, \`execution_id\` text not null, \`step_key\` text not null, \`step_type\` text not null, \`status\` text check (\`status\` in ('running', 'completed', 'failed', 'skipped', 'waiting', 'cancelled')) not null, \`attempt\` integer not null default 1, \`started_at\` datetime not null, \`elapsed_ms\` integer null, \`output\` json null, \`ports\` json not null, \`error\` text null, constraint \`flow_execution_steps_execution_id_foreign\` foreign key(\`execution_id\`) references \`flow_executions\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `create index \`flow_execution_steps_execution_id_index\` on \`flow_execution_steps\` (\`execution_id\`);`,
    );
    this.addSql(
      `create index \`flow_execution_steps_execution_id_started_at_index\` on \`flow_execution_steps\` (\`execution_id\`, \`started_at\`);`,
    );

    this.addSql(
      `create table \`flow_steps\` (\`id\` text not null, \`flow_id\` text not null, \`key\` text not null, \`type\` text not null, \`config\` json not null, \`label\` text not null default '', \`position_x\` real not null default 0, \`position_y\` real not null default 0, \`enabled\` integer not null default true, \`on_error\` text check (\`on_error\` in ('stop', 'skip', 'retry')) not null default 'stop', \`retry_attempts\` integer not null default 3, \`timeout_ms\` integer null, \`action_template_id\` text null, constraint \`flow_steps_flow_id_foreign\` foreign key(\`flow_id\`) references \`flows\`(\`id\`) on delete cascade on update cascade, constraint \`flow_steps_action_template_id_foreign\` foreign key(\`action_template_id\`) references \`flow_action_templates\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`flow_steps_flow_id_index\` on \`flow_steps\` (\`flow_id\`);`);
    this.addSql(
      `create index \`flow_steps_action_template_id_index\` on \`flow_steps\` (\`action_template_id\`);`,
    );
    this.addSql(
      `create unique index \`flow_steps_flow_id_key_unique\` on \`flow_steps\` (\`flow_id\`, \`key\`);`,
    );

    this.addSql(
      `create table \`flow_edges\` (\`id\` text not null, \`flow_id\` text not null, \`source_id\` text not null, \`source_port\` text not null default 'main', \`target_id\` text not null, constraint \`flow_edges_flow_id_foreign\` foreign key(\`flow_id\`) references \`flows\`(\`id\`) on delete cascade on update cascade, constraint \`flow_edges_source_id_foreign\` foreign key(\`source_id\`) references \`flow_steps\`(\`id\`) on delete cascade on update cascade, constraint \`flow_edges_target_id_foreign\` foreign key(\`target_id\`) references \`flow_steps\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`flow_edges_flow_id_index\` on \`flow_edges\` (\`flow_id\`);`);
    this.addSql(`create index \`flow_edges_source_id_index\` on \`flow_edges\` (\`source_id\`);`);
    this.addSql(`create index \`flow_edges_target_id_index\` on \`flow_edges\` (\`target_id\`);`);
    this.addSql(
      `create unique index \`flow_edges_source_id_source_port_target_id_unique\` on \`flow_edges\` (\`source_id\`, \`source_port\`, \`target_id\`);`,
    );

    this.addSql(
      `create table \`flow_variables\` (\`id\` text not null, \`scope\` text not null, \`flow_id\` text null, \`key\` text not null, \`value\` json null, \`updated_at\` datetime not null, constraint \`flow_variables_flow_id_foreign\` foreign key(\`flow_id\`) references \`flows\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`flow_variables_flow_id_index\` on \`flow_variables\` (\`flow_id\`);`);
    this.addSql(
      `create unique index \`flow_variables_scope_key_unique\` on \`flow_variables\` (\`scope\`, \`key\`);`,
    );

    this.addSql(
      `create table \`nodes\` (\`id\` text not null, \`name\` text not null, \`kind\` text not null, \`tags\` json not null, \`status\` text check (\`status\` in ('unknown', 'online', 'offline')) not null default 'unknown', \`last_seen_at\` datetime null, \`metadata\` json not null, \`ssh_host\` text null, \`ssh_port\` integer null, \`ssh_user\` text null, \`ssh_secret_encrypted\` text null, \`ssh_host_key_fingerprint\` text null, \`ssh_trust_on_first_use\` integer not null default false, \`created_at\` datetime not null, \`updated_at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(`create unique index \`nodes_name_unique\` on \`nodes\` (\`name\`);`);

    this.addSql(
      `create table \`info_cards\` (\`id\` text not null, \`title\` text not null, \`body\` text not null, \`image_url\` text null, \`approved\` integer not null default false, \`created_at\` datetime not null, \`updated_at\` datetime not null, primary key (\`id\`));`,
    );

    this.addSql(
      `create table \`prompts\` (\`id\` text not null, \`device_id\` text null, \`execution_id\` text null, \`step_key\` text null, \`message\` text not null, \`voice_message\` text null, \`escalate_text\` text not null, \`dismiss_text\` text not null, \`countdown_seconds\` integer not null, \`timeout_action\` text check (\`timeout_action\` in ('escalate', 'dismiss')) not null, \`status\` text check (\`status\` in ('open', 'answered', 'timeout', 'cancelled')) not null default 'open', \`answer\` text null, \`answered_via\` text null, \`answered_at\` datetime null, \`expires_at\` datetime not null, \`created_at\` datetime not null, constraint \`prompts_device_id_foreign\` foreign key(\`device_id\`) references \`devices\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`prompts_device_id_index\` on \`prompts\` (\`device_id\`);`);
    this.addSql(
      `create index \`prompts_device_id_status_index\` on \`prompts\` (\`device_id\`, \`status\`);`,
    );

    this.addSql(
      `create table \`telemetry_latest\` (\`id\` text not null, \`node_id\` text not null, \`metric\` text not null, \`value\` real not null, \`recorded_at\` datetime not null, constraint \`telemetry_latest_node_id_foreign\` foreign key(\`node_id\`) references \`nodes\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`telemetry_latest_node_id_index\` on \`telemetry_latest\` (\`node_id\`);`);
    this.addSql(
      `create unique index \`telemetry_latest_node_id_metric_unique\` on \`telemetry_latest\` (\`node_id\`, \`metric\`);`,
    );

    this.addSql(
      `create table \`telemetry_samples\` (\`id\` text not null, \`node_id\` text not null, \`metric\` text not null, \`value\` real not null, \`recorded_at\` datetime not null, constraint \`telemetry_samples_node_id_foreign\` foreign key(\`node_id\`) references \`nodes\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`telemetry_samples_node_id_index\` on \`telemetry_samples\` (\`node_id\`);`);
    this.addSql(
      `create index \`telemetry_samples_node_id_metric_recorded_at_index\` on \`telemetry_samples\` (\`node_id\`, \`metric\`, \`recorded_at\`);`,
    );

    this.addSql(
      `create table \`users\` (\`id\` text not null, \`email\` text not null, \`name\` text not null, \`role\` text check (\`role\` in ('admin', 'caregiver', 'viewer')) not null, \`password_hash\` text not null, \`disabled\` integer not null default false, \`created_at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(`create unique index \`users_email_unique\` on \`users\` (\`email\`);`);

    this.addSql(
      `create table \`flow_alerts\` (\`id\` text not null, \`level\` text check (\`level\` in ('emergency', 'warning', 'info', 'reminder')) not null, \`message\` text not null, \`flow_id\` text null, \`execution_id\` text null, \`step_key\` text null, \`node_id\` text null, \`acknowledged_by_id\` text null, \`acknowledged_at\` datetime null, \`created_at\` datetime not null, constraint \`flow_alerts_flow_id_foreign\` foreign key(\`flow_id\`) references \`flows\`(\`id\`) on delete set null on update cascade, constraint \`flow_alerts_execution_id_foreign\` foreign key(\`execution_id\`) references \`flow_executions\`(\`id\`) on delete set null on update cascade, constraint \`flow_alerts_node_id_foreign\` foreign key(\`node_id\`) references \`nodes\`(\`id\`) on delete set null on update cascade, constraint \`flow_alerts_acknowledged_by_id_foreign\` foreign key(\`acknowledged_by_id\`) references \`users\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`flow_alerts_flow_id_index\` on \`flow_alerts\` (\`flow_id\`);`);
    this.addSql(`create index \`flow_alerts_execution_id_index\` on \`flow_alerts\` (\`execution_id\`);`);
    this.addSql(`create index \`flow_alerts_node_id_index\` on \`flow_alerts\` (\`node_id\`);`);
    this.addSql(
      `create index \`flow_alerts_acknowledged_by_id_index\` on \`flow_alerts\` (\`acknowledged_by_id\`);`,
    );
    this.addSql(
      `create index \`flow_alerts_acknowledged_at_created_at_index\` on \`flow_alerts\` (\`acknowledged_at\`, \`created_at\`);`,
    );

    this.addSql(
      `create table \`auth_sessions\` (\`id\` text not null, \`user_id\` text not null, \`token_hash\` text not null, \`created_at\` datetime not null, \`expires_at\` datetime not null, constraint \`auth_sessions_user_id_foreign\` foreign key(\`user_id\`) references \`users\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`auth_sessions_user_id_index\` on \`auth_sessions\` (\`user_id\`);`);
    this.addSql(
      `create unique index \`auth_sessions_token_hash_unique\` on \`auth_sessions\` (\`token_hash\`);`,
    );

    this.addSql(
      `create table \`api_keys\` (\`id\` text not null, \`name\` text not null, \`prefix\` text not null, \`token_hash\` text not null, \`scopes\` json not null, \`created_by_id\` text null, \`created_at\` datetime not null, \`last_used_at\` datetime null, \`revoked_at\` datetime null, constraint \`api_keys_created_by_id_foreign\` foreign key(\`created_by_id\`) references \`users\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create unique index \`api_keys_token_hash_unique\` on \`api_keys\` (\`token_hash\`);`);
    this.addSql(`create index \`api_keys_created_by_id_index\` on \`api_keys\` (\`created_by_id\`);`);
  }
}
