import { newId } from '../db/ids.js';
import { cachedStatement, type SqliteDatabase } from '../engine/sqlite.js';
import type { Target } from './targets.js';

export type PromptAction = 'escalate' | 'dismiss';
export type AnswerVia = 'tablet' | 'caregiver' | 'api';

/** A prompt as the API, the feed and the step see it. */
export interface PromptView extends Target {
  id: string;
  executionId: string | null;
  stepKey: string | null;
  message: string;
  voiceMessage: string | null;
  escalateText: string;
  dismissText: string;
  countdownSeconds: number;
  timeoutAction: PromptAction;
  status: 'open' | 'answered' | 'timeout' | 'cancelled';
  expiresAt: Date;
  createdAt: Date;
  answer: PromptAnswerView | null;
}

export interface PromptAnswerView {
  action: PromptAction;
  answerId: string;
  via: AnswerVia;
  byId: string | null;
  byName: string | null;
  at: Date;
}

export interface OpenPromptInput extends Target {
  executionId: string;
  stepKey: string;
  message: string;
  voiceMessage: string | null;
  escalateText: string;
  dismissText: string;
  countdownSeconds: number;
  timeoutAction: PromptAction;
}

export interface AnswerInput {
  promptId: string;
  action: PromptAction;
  answerId: string;
  via: AnswerVia;
  byId: string | null;
  byName: string | null;
}

/** Outcome of an answer: the one that won (again, for a repeated answerId), or why it was refused. */
export type AnswerOutcome =
  | { kind: 'accepted'; prompt: PromptView; first: boolean }
  | { kind: 'already_answered'; prompt: PromptView }
  | { kind: 'expired'; prompt: PromptView }
  | { kind: 'not_found' };

interface Row {
  id: string;
  device_id: string | null;
  room: string | null;
  execution_id: string | null;
  step_key: string | null;
  message: string;
  voice_message: string | null;
  escalate_text: string;
  dismiss_text: string;
  countdown_seconds: number;
  timeout_action: PromptAction;
  status: PromptView['status'];
  answer: PromptAction | null;
  answer_id: string | null;
  answered_via: AnswerVia | null;
  answered_by_id: string | null;
  answered_by_name: string | null;
  answered_at: number | null;
  expires_at: number;
  created_at: number;
}

function view(row: Row): PromptView {
  return {
    id: row.id,
    deviceId: row.device_id,
    room: row.room,
    executionId: row.execution_id,
    stepKey: row.step_key,
    message: row.message,
    voiceMessage: row.voice_message,
    escalateText: row.escalate_text,
    dismissText: row.dismiss_text,
    countdownSeconds: row.countdown_seconds,
    timeoutAction: row.timeout_action,
    status: row.status,
    expiresAt: new Date(row.expires_at),
    createdAt: new Date(row.created_at),
    answer:
      row.status === 'answered' && row.answer
        ? {
            action: row.answer,
            answerId: row.answer_id ?? '',
            via: row.answered_via ?? 'tablet',
            byId: row.answered_by_id,
            byName: row.answered_by_name,
            at: new Date(row.answered_at ?? row.created_at),
          }
        : null,
  };
}

/**
 * Prompts in the `prompts` table. Every state change is one conditional UPDATE (status = 'open'), so
 * an answer, the timeout and a cancel race safely: exactly one of them moves a prompt out of `open`,
 * and the waiting step reads the outcome from the row.
 */
export class PromptStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get(id: string): PromptView | undefined {
    const row = cachedStatement(this.db, 'select * from prompts where id = ?').get(id) as Row | undefined;
    return row ? view(row) : undefined;
  }

  /** Re-uses the open prompt of the same run and step: a step re-run after a crash must not ask twice. */
  open(input: OpenPromptInput): PromptView {
    const existing = cachedStatement(
      this.db,
      `select * from prompts where execution_id = ? and step_key = ? and status = 'open'`,
    ).get(input.executionId, input.stepKey) as Row | undefined;
    if (existing) return view(existing);
    const id = newId();
    const now = this.now().getTime();
    cachedStatement(
      this.db,
      `insert into prompts (id, device_id, room, execution_id, step_key, message, voice_message, escalate_text,
        dismiss_text, countdown_seconds, timeout_action, status, expires_at, created_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)`,
    ).run(
      id,
      input.deviceId,
      input.room,
      input.executionId,
      input.stepKey,
      input.message,
      input.voiceMessage,
      input.escalateText,
      input.dismissText,
      input.countdownSeconds,
      input.timeoutAction,
      now + input.countdownSeconds * 1000,
      now,
    );
    return this.get(id)!;
  }

  answer(input: AnswerInput): AnswerOutcome {
    const now = this.now().getTime();
    const changed = cachedStatement(
      this.db,
      `update prompts set status = 'answered', answer = ?, answer_id = ?, answered_via = ?, answered_by_id = ?,
        answered_by_name = ?, answered_at = ? where id = ? and status = 'open' and expires_at > ?`,
    ).run(input.action, input.answerId, input.via, input.byId, input.byName, now, input.promptId, now);
    const prompt = this.get(input.promptId);
    if (!prompt) return { kind: 'not_found' };
    if (changed.changes === 1) return { kind: 'accepted', prompt, first: true };
    if (prompt.answer) {
      // The same answer sent again (an outbox retry) gets the same result.
      if (prompt.answer.answerId === input.answerId) return { kind: 'accepted', prompt, first: false };
      return { kind: 'already_answered', prompt };
    }
    return { kind: 'expired', prompt };
  }

  /** The step resumes: the answer if there is one, else the prompt times out now (if still open). */
  settle(id: string): PromptView | undefined {
    cachedStatement(this.db, `update prompts set status = 'timeout' where id = ? and status = 'open'`).run(
      id,
    );
    return this.get(id);
  }

  /** Withdraws the open prompts of a run that ended another way (cancelled, failed); returns their ids. */
  withdrawRun(executionId: string): string[] {
    const rows = cachedStatement(
      this.db,
      `select id from prompts where execution_id = ? and status = 'open'`,
    ).all(executionId) as Array<{ id: string }>;
    if (rows.length === 0) return [];
    cachedStatement(
      this.db,
      `update prompts set status = 'cancelled' where execution_id = ? and status = 'open'`,
    ).run(executionId);
    return rows.map((row) => row.id);
  }

  /** Open prompts whose deadline has not passed, oldest first. */
  pending(): PromptView[] {
    const rows = cachedStatement(
      this.db,
      `select * from prompts where status = 'open' and expires_at > ? order by created_at`,
    ).all(this.now().getTime()) as Row[];
    return rows.map(view);
  }

  /** Answered prompts whose run still waits: the answer was stored but the process stopped before waking it. */
  answeredButWaiting(): PromptView[] {
    const rows = cachedStatement(
      this.db,
      `select p.* from prompts p join flow_executions e on e.id = p.execution_id
        where p.status = 'answered' and e.status = 'waiting'`,
    ).all() as Row[];
    return rows.map(view);
  }
}
