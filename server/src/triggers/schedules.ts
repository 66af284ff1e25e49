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
}

/**
 * Where a schedule's next slot waits: a timer in this process (the default), or a delayed job per
 * slot in BullMQ (`REDIS_URL`), whose id names the schedule and the slot so it runs once whoever adds it.
 */
export interface ScheduleSlots {
  /** Calls `due` at `at`, once; replaces the schedule's armed slot. */
  arm(id: string, at: Date, due: () => void): void;
  disarm(id: string): void;
  stop(): void;
}

/** Timers further out are re-armed on waking: setTimeout overflows past ~24.8 days. */
const MAX_TIMER_MS = 60 * 60_000;

export class InProcessSlots implements ScheduleSlots {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly clock: () => Date) {}

  arm(id: string, at: Date, due: () => void): void {
    this.disarm(id);
    const delay = Math.max(0, at.getTime() - this.clock().getTime()) + 5;
    const timer = setTimeout(
      () => {
        this.timers.delete(id);
        if (delay > MAX_TIMER_MS) this.arm(id, at, due);
        else due();
      },
      Math.min(MAX_TIMER_MS, delay),
    );
    timer.unref();
    this.timers.set(id, timer);
  }

  disarm(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

export interface ScheduleTriggersOptions {
  state: TriggerState;
  fire: (fire: TriggerFire) => void;
  clock: () => Date;
  missedRunGraceMs?: number;
  onError: (error: unknown) => void;
  /** Default: timers in this process. */
  slots?: ScheduleSlots;
}

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
  private readonly slots: ScheduleSlots;

  constructor(private readonly options: ScheduleTriggersOptions) {
    this.slots = options.slots ?? new InProcessSlots(options.clock);
  }

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
      if (current) this.slots.disarm(id);
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
        this.slots.disarm(id);
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
    this.slots.stop();
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
    const id = stepId(entry.flowId, entry.stepKey);
    const next = this.nextRun(entry);
    if (!next) return this.slots.disarm(id);
    this.slots.arm(id, next, () => {
      try {
        // A slot that fires a moment early (another clock) still counts as its own time.
        const now = this.options.clock();
        this.check(entry, now < next ? next : now);
      } catch (error) {
        this.options.onError(error);
      }
      if (this.entries.get(id) === entry) this.arm(entry);
    });
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
