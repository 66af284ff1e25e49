import { newId } from '../db/ids.js';
import { cachedStatement, type SqliteDatabase } from '../engine/sqlite.js';
import type { Target } from './targets.js';

export type DeliveryKind = 'announcement' | 'popup' | 'card';
export type ReportStatus = 'spoken' | 'failed' | 'shown' | 'dismissed';

export interface DeliveryReport {
  status: ReportStatus;
  reason?: string;
  deviceName?: string;
  at: string;
}

export interface DeliveryView extends Target {
  id: string;
  kind: DeliveryKind;
  executionId: string | null;
  stepKey: string | null;
  payload: Record<string, unknown>;
  /** By device id. */
  reports: Record<string, DeliveryReport>;
  expiresAt: Date;
  createdAt: Date;
}

interface Row {
  id: string;
  kind: DeliveryKind;
  device_id: string | null;
  room: string | null;
  execution_id: string | null;
  step_key: string | null;
  payload: string;
  reports: string;
  expires_at: number;
  created_at: number;
}

const view = (row: Row): DeliveryView => ({
  id: row.id,
  kind: row.kind,
  deviceId: row.device_id,
  room: row.room,
  executionId: row.execution_id,
  stepKey: row.step_key,
  payload: JSON.parse(row.payload) as Record<string, unknown>,
  reports: JSON.parse(row.reports) as Record<string, DeliveryReport>,
  expiresAt: new Date(row.expires_at),
  createdAt: new Date(row.created_at),
});

/** Announcements, popups and info cards sent to tablets, with each tablet's report. */
export class DeliveryStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => Date = () => new Date(),
  ) {}

  create(
    input: Target & {
      kind: DeliveryKind;
      executionId: string | null;
      stepKey: string | null;
      payload: Record<string, unknown>;
      validSeconds: number;
    },
  ): DeliveryView {
    const id = newId();
    const now = this.now().getTime();
    cachedStatement(
      this.db,
      `insert into tablet_deliveries (id, kind, device_id, room, execution_id, step_key, payload, reports, expires_at, created_at)
       values (?, ?, ?, ?, ?, ?, ?, '{}', ?, ?)`,
    ).run(
      id,
      input.kind,
      input.deviceId,
      input.room,
      input.executionId,
      input.stepKey,
      JSON.stringify(input.payload),
      now + input.validSeconds * 1000,
      now,
    );
    return this.get(id)!;
  }

  get(id: string): DeliveryView | undefined {
    const row = cachedStatement(this.db, 'select * from tablet_deliveries where id = ?').get(id) as
      Row | undefined;
    return row ? view(row) : undefined;
  }

  /** Records one tablet's report; a later report from the same tablet replaces its earlier one. */
  report(id: string, deviceId: string, report: DeliveryReport): DeliveryView | undefined {
    const apply = this.db.transaction(() => {
      const current = this.get(id);
      if (!current) return undefined;
      const reports = { ...current.reports, [deviceId]: report };
      cachedStatement(this.db, 'update tablet_deliveries set reports = ? where id = ?').run(
        JSON.stringify(reports),
        id,
      );
      return { ...current, reports };
    });
    return apply();
  }

  /** Deliveries still within their validity, oldest first. */
  current(): DeliveryView[] {
    const rows = cachedStatement(
      this.db,
      'select * from tablet_deliveries where expires_at > ? order by created_at',
    ).all(this.now().getTime()) as Row[];
    return rows.map(view);
  }

  /** The latest deliveries of any age, newest first (for caregivers). */
  recent(limit: number): DeliveryView[] {
    const rows = cachedStatement(
      this.db,
      'select * from tablet_deliveries order by created_at desc limit ?',
    ).all(limit) as Row[];
    return rows.map(view);
  }
}
