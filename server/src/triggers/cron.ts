import { Cron } from 'croner';
import cronstrue from 'cronstrue';

/**
 * Schedules: croner computes runs in the flow's IANA time zone (5 fields, or 6 with seconds first;
 * day-of-month and day-of-week combine with OR as in Vixie cron). Around DST changes croner does, for
 * example in Europe/Berlin with `30 2 * * *`:
 *   - spring forward (2026-03-29, 02:00 → 03:00): 02:30 does not exist; the run happens at 03:30 CEST
 *     (one run that day, an hour later on the wall clock);
 *   - fall back (2026-10-25, 03:00 → 02:00): 02:30 happens twice; the run happens once, at the second
 *     02:30 (CET, 01:30 UTC).
 * croner's nextRun(from) is not consistent around the change, though: asked from 03:10 CEST on the
 * spring day it skips that day's 03:30 run, and asked from 02:40 CEST on the autumn night it skips
 * the CET 02:30. So every "next run after t" here walks forward from a few hours before t: the answer
 * is the same whenever the server happens to ask (a restart at 03:10 must not lose the day's run).
 */

export interface CronPreview {
  valid: boolean;
  error?: string;
  /** Human readable, e.g. "At 09:00 AM"; empty when invalid. */
  description: string;
  timezone: string;
  /** The next `count` runs after `from`; empty when invalid or when the expression never matches. */
  nextRuns: Date[];
  /** The same runs as wall-clock time in `timezone`, ISO 8601 with the offset (`2026-12-03T09:00:00+01:00`). */
  nextRunsLocal: string[];
}

/** ISO 8601 local time in an IANA zone with its offset at that instant, e.g. `2026-03-29T03:30:00+02:00`. */
export function localIso(date: Date, timezone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  ) as Record<string, string>;
  const wall = `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
  // The offset is the wall clock read as UTC minus the instant (whole seconds: the format has no ms).
  const offsetMinutes = Math.round(
    (Date.parse(`${wall}Z`) - Math.floor(date.getTime() / 1000) * 1000) / 60_000,
  );
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${wall}${offset}`;
}

const MAX_CRON_LENGTH = 200;
const MAX_PREVIEW_RUNS = 50;

/** Builds a paused croner job, or throws an Error whose message suits a form field. */
function schedule(expression: string, timezone: string): Cron {
  if (typeof expression !== 'string' || expression.trim() === '') throw new Error('cron expression is empty');
  if (expression.length > MAX_CRON_LENGTH)
    throw new Error(`cron expression is longer than ${MAX_CRON_LENGTH}`);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new Error(`unknown time zone "${timezone}"`);
  }
  try {
    return new Cron(expression.trim(), { timezone, paused: true });
  } catch (error) {
    throw new Error(`invalid cron expression: ${(error as Error).message}`, { cause: error });
  }
}

export function describeCron(expression: string): string {
  try {
    return cronstrue.toString(expression.trim(), { throwExceptionOnParseError: true });
  } catch {
    // croner accepts a few forms cronstrue cannot describe; the expression itself is the fallback.
    return expression.trim();
  }
}

// Longer than any DST shift (1 h almost everywhere, 30 min on Lord Howe) with room to spare.
const LOOKBACK_MS = 3 * 3600_000;
// A schedule that runs this often within the lookback is dense (every few minutes or seconds): its
// hours are wildcards, so DST cannot make it skip, and walking would only cost time.
const MAX_LOOKBACK_STEPS = 64;

function nextRunOf(job: Cron, after: Date): Date | null {
  const direct = job.nextRun(after);
  let run = job.nextRun(new Date(after.getTime() - LOOKBACK_MS));
  for (let step = 0; run && run <= after; step++) {
    if (step === MAX_LOOKBACK_STEPS) return direct;
    run = job.nextRun(run);
  }
  if (!run) return direct;
  return direct && direct < run ? direct : run;
}

function nextRunsOf(job: Cron, count: number, after: Date): Date[] {
  const runs: Date[] = [];
  let run = nextRunOf(job, after);
  while (run && runs.length < count) {
    runs.push(run);
    run = job.nextRun(run);
  }
  return runs;
}

export function cronPreview(
  expression: string,
  timezone = 'UTC',
  count = 5,
  from: Date = new Date(),
): CronPreview {
  try {
    const job = schedule(expression, timezone);
    const n = Math.max(1, Math.min(MAX_PREVIEW_RUNS, Math.floor(count)));
    const nextRuns = nextRunsOf(job, n, from);
    return {
      valid: true,
      description: describeCron(expression),
      timezone,
      nextRuns,
      nextRunsLocal: nextRuns.map((run) => localIso(run, timezone)),
    };
  } catch (error) {
    const message = (error as Error).message;
    return { valid: false, error: message, description: '', timezone, nextRuns: [], nextRunsLocal: [] };
  }
}

/** The first run strictly after `after`; null if the expression never matches again. Throws when invalid. */
export function nextRunAfter(expression: string, timezone: string, after: Date): Date | null {
  return nextRunOf(schedule(expression, timezone), after);
}

export const DEFAULT_MISSED_RUN_GRACE_MS = 15 * 60_000;

export type MissedRunDecision =
  /** A run fell due while the server was down, recently enough: fire once now with `late: true`. */
  | { action: 'fire-late'; late: true; dueAt: Date; nextRun: Date | null }
  /** Runs were missed, all longer ago than the grace: do not fire, just schedule `nextRun`. */
  | { action: 'skip'; late: false; missedSince: Date; nextRun: Date | null }
  /** Nothing was missed (or the schedule has no history to judge by). */
  | { action: 'none'; late: false; nextRun: Date | null };

/**
 * What to do at start for runs missed while the server was down. Policy:
 *   - at most ONE catch-up run, however many were missed (a 9:00 reminder must not fire five times);
 *   - it fires, marked `late`, only if the most recent due time is less than `graceMs` ago (default
 *     15 min): a reminder that is hours late would confuse more than help;
 *   - otherwise the missed runs are skipped and the schedule continues with its next run.
 * `lastFiredAt` is the last time the schedule fired; pass the time it was created or enabled when it
 * never fired, or null to never catch up. Times at or before `lastFiredAt` count as done.
 */
export function missedRunDecision(
  lastFiredAt: Date | null,
  now: Date,
  expression: string,
  timezone: string,
  graceMs: number = DEFAULT_MISSED_RUN_GRACE_MS,
): MissedRunDecision {
  const job = schedule(expression, timezone);
  if (!lastFiredAt || lastFiredAt >= now)
    return { action: 'none', late: false, nextRun: nextRunOf(job, now) };
  // Only runs inside the grace window can be caught up, so only that window needs walking (bounded
  // even for a per-second schedule), plus one lookup to learn whether older runs were missed at all.
  const windowStart = new Date(Math.max(lastFiredAt.getTime(), now.getTime() - graceMs));
  let latestDue: Date | null = null;
  let run = nextRunOf(job, windowStart);
  for (let guard = 0; run && run <= now && guard < 100_000; guard++) {
    latestDue = run;
    run = job.nextRun(run);
  }
  const nextRun = run && run > now ? run : nextRunOf(job, now);
  if (latestDue) return { action: 'fire-late', late: true, dueAt: latestDue, nextRun };
  const firstMissed = nextRunOf(job, lastFiredAt);
  if (firstMissed && firstMissed <= now)
    return { action: 'skip', late: false, missedSince: firstMissed, nextRun };
  return { action: 'none', late: false, nextRun };
}
