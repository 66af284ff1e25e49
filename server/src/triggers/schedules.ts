import { DEFAULT_MISSED_RUN_GRACE_MS, missedRunDecision, nextRunAfter } from './cron.js';
import { stepId, type TriggerFire } from './fire.js';
import type { TriggerState } from './trigger-steps.js';

export interface ScheduleConfig {
  cron: string;
  timezone: string;
}

/** What is kept per schedule step: the last due time it has accounted for (fired or skipped). */
interface StoredSchedule extends ScheduleConfig {
  since: string;
}

interface Entry extends ScheduleConfig {
  flowId: string;
  stepKey: string;
  since: Date;
  timer?: NodeJS.Timeout;
}

export interface ScheduleTriggersOptions {
  state: TriggerState;
  fire: (fire: TriggerFire) => void;
  clock: () => Date;
  missedRunGraceMs?: number;
  onError: (error: unknown) => void;
}

// Timers further out are re-armed on waking: setTimeout overflows past ~24.8 days.
const MAX_TIMER_MS = 60 * 60_000;
const stateKey = (stepKey: string) => `$schedule.${stepKey}`;

/**
 * Cron schedules. Each step gets a timer for its next run (so 09:00 means 09:00, not the next tick),
 * and the scheduler tick re-checks all of them in case a timer was late. Firing is decided from the
 * stored `since`, so a timer and a tick racing for the same run fire it once.
 *
 * Runs missed while the server was down follow `missedRunDecision`: one catch-up run marked
 * `late: true` if the latest missed run is less than the grace (15 min) ago, otherwise none.
 * A schedule that is created, changed or re-enabled starts counting from that moment.
 */
export class ScheduleTriggers {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: ScheduleTriggersOptions) {}

  /** Replaces a flow's schedules. `atBoot` applies the missed-run policy to what was stored. */
  saveFlow(
    flowId: string,
    steps: ReadonlyArray<{ stepKey: string; config: ScheduleConfig }>,
    atBoot = false,
  ): void {
    const now = this.options.clock();
    const keep = new Set<string>();
    for (const { stepKey, config } of steps) {
      const id = stepId(flowId, stepKey);
      keep.add(id);
      const current = this.entries.get(id);
      if (current && current.cron === config.cron && current.timezone === config.timezone) continue;
      if (current) clearTimeout(current.timer);
      const entry: Entry = { flowId, stepKey, cron: config.cron, timezone: config.timezone, since: now };
      const stored = this.options.state.get<StoredSchedule>(flowId, stateKey(stepKey));
      const unchanged = stored && stored.cron === config.cron && stored.timezone === config.timezone;
      this.entries.set(id, entry);
      if (atBoot && unchanged) this.catchUp(entry, new Date(stored.since), now);
      else this.persist(entry);
      this.arm(entry);
    }
    for (const [id, entry] of this.entries) {
      if (entry.flowId === flowId && !keep.has(id)) {
        clearTimeout(entry.timer);
        this.entries.delete(id);
      }
    }
  }

  deleteFlow(flowId: string): void {
    this.saveFlow(flowId, []);
  }

  /** Fires every schedule whose next run is due; returns how many fired. */
  tick(now: Date = this.options.clock()): number {
    let fired = 0;
    for (const entry of this.entries.values()) if (this.check(entry, now)) fired++;
    return fired;
  }

  /** When each schedule fires next (for the API and tests). */
  nextRuns(): Array<{ flowId: string; stepKey: string; nextRun: Date | null }> {
    return [...this.entries.values()].map((entry) => ({
      flowId: entry.flowId,
      stepKey: entry.stepKey,
      nextRun: this.nextRun(entry),
    }));
  }

  stop(): void {
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.entries.clear();
  }

  private catchUp(entry: Entry, since: Date, now: Date): void {
    const decision = missedRunDecision(
      since,
      now,
      entry.cron,
      entry.timezone,
      this.options.missedRunGraceMs ?? DEFAULT_MISSED_RUN_GRACE_MS,
    );
    entry.since = now;
    this.persist(entry);
    if (decision.action === 'fire-late') this.emit(entry, decision.dueAt, true);
  }

  private check(entry: Entry, now: Date): boolean {
    let due = this.nextRun(entry);
    if (!due || due > now) return false;
    // After a stall, several runs of a fast schedule may be due: fire the latest once, not a burst.
    for (
      let next = this.nextRunAfter(entry, due);
      next && next <= now;
      next = this.nextRunAfter(entry, next)
    ) {
      due = next;
    }
    entry.since = due;
    this.persist(entry);
    this.emit(entry, due, false);
    return true;
  }

  private arm(entry: Entry): void {
    clearTimeout(entry.timer);
    const next = this.nextRun(entry);
    if (!next) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, next.getTime() - this.options.clock().getTime()) + 5);
    entry.timer = setTimeout(() => {
      try {
        this.check(entry, this.options.clock());
      } catch (error) {
        this.options.onError(error);
      }
      if (this.entries.get(stepId(entry.flowId, entry.stepKey)) === entry) this.arm(entry);
    }, delay);
    entry.timer.unref();
  }

  private nextRun(entry: Entry): Date | null {
    return this.nextRunAfter(entry, entry.since);
  }

  private nextRunAfter(entry: Entry, after: Date): Date | null {
    try {
      return nextRunAfter(entry.cron, entry.timezone, after);
    } catch (error) {
      // Saved configs are validated; this only happens for rules that changed since.
      this.options.onError(error);
      return null;
    }
  }

  private persist(entry: Entry): void {
    const stored: StoredSchedule = {
      cron: entry.cron,
      timezone: entry.timezone,
      since: entry.since.toISOString(),
    };
    this.options.state.set(entry.flowId, stateKey(entry.stepKey), stored, this.options.clock());
  }

  private emit(entry: Entry, dueAt: Date, late: boolean): void {
    this.options.fire({
      flowId: entry.flowId,
      triggerStepKey: entry.stepKey,
      triggerType: 'schedule',
      payload: {
        scheduled_at: dueAt.toISOString(),
        cron: entry.cron,
        timezone: entry.timezone,
        late,
      },
    });
  }
}
