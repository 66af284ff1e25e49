import { createHash } from 'node:crypto';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { WaitScheduler, WaitSchedulerFactory } from '../engine/waits.js';

export interface BullWaitSchedulerOptions {
  /** redis://… */
  redisUrl: string;
  /** Prefix of BullMQ's keys (KINFLOW_REDIS_PREFIX + "bull"), so deployments can share one Redis. */
  prefix: string;
  /**
   * Which database the waits are stored in (host and SQLite path today). Instances on one database
   * share one queue; instances with databases of their own must not take each other's jobs.
   */
  database: string;
  /** How often armed waits are checked against Redis and missing jobs re-created. Default 30 s. */
  reconcileMs?: number;
  log?: (message: string, error?: unknown) => void;
}

export interface BullWaitSchedulers {
  factory: WaitSchedulerFactory;
  /** Re-creates the job of every armed wait that Redis lost; returns how many. Also runs on a timer. */
  reconcile(): Promise<number>;
  close(): Promise<void>;
}

interface ArmedWait {
  executionId: string;
  stepRowId: string;
  resumeAt: number;
}

interface DueJob {
  executionId: string;
  stepRowId: string;
}

export const waitQueueName = (database: string) =>
  `waits.${createHash('sha256').update(database).digest('hex').slice(0, 16)}`;

/**
 * One job id per wait and due time: arming the same wait again (a restart re-arms every wait) adds
 * nothing, and a job can only ever resume the wait it was made for. BullMQ ids may not contain ":".
 */
export const waitJobId = (wait: ArmedWait) => `w.${wait.executionId}.${wait.stepRowId}.${wait.resumeAt}`;

export function redisConnection(redisUrl: string): ConnectionOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.username && { username: decodeURIComponent(url.username) }),
    ...(url.password && { password: decodeURIComponent(url.password) }),
    ...(url.pathname.length > 1 && { db: Number(url.pathname.slice(1)) }),
    ...(url.protocol === 'rediss:' && { tls: {} }),
    // Workers block on Redis; BullMQ requires unlimited retries for their connections.
    maxRetriesPerRequest: null,
  };
}

/**
 * Wait timers as BullMQ delayed jobs. The database stays the truth: the engine arms a wait only once
 * it is committed, a job only calls the engine's `due`, and the engine claims the wait with a
 * compare-and-set, so a job that fires twice or after the wait ended does nothing. Jobs Redis loses
 * (flushed, failed over without persistence) are re-created by `reconcile` from the armed waits.
 */
export async function createBullWaitSchedulers(
  options: BullWaitSchedulerOptions,
): Promise<BullWaitSchedulers> {
  const log = options.log ?? ((message, error) => console.error(message, error ?? ''));
  const connection = redisConnection(options.redisUrl);
  const name = waitQueueName(options.database);
  const queue = new Queue<DueJob>(name, { connection, prefix: options.prefix });
  await queue.waitUntilReady();
  const schedulers = new Set<BullWaitScheduler>();
  const worker = new Worker<DueJob>(
    name,
    async (job) => {
      for (const scheduler of schedulers) scheduler.fired(job.data);
    },
    { connection, prefix: options.prefix, concurrency: 50 },
  );
  worker.on('error', (error) => log('wait scheduler (BullMQ worker):', error));
  await worker.waitUntilReady();
  const reconcile = async () => {
    let recreated = 0;
    for (const scheduler of schedulers) recreated += await scheduler.reconcile();
    return recreated;
  };
  const timer = setInterval(() => {
    reconcile().catch((error: unknown) => log('wait scheduler: reconcile failed:', error));
  }, options.reconcileMs ?? 30_000);
  timer.unref();
  return {
    factory: (due) => {
      const scheduler = new BullWaitScheduler(queue, due, log);
      schedulers.add(scheduler);
      return scheduler;
    },
    reconcile,
    close: async () => {
      clearInterval(timer);
      schedulers.clear();
      await worker.close();
      await queue.close();
    },
  };
}

class BullWaitScheduler implements WaitScheduler {
  /** Armed waits by run and step row: what Redis should hold for this engine. */
  private readonly armed = new Map<string, Map<string, ArmedWait>>();
  private stopped = false;

  constructor(
    private readonly queue: Queue<DueJob>,
    private readonly due: (executionId: string, stepRowId: string) => void,
    private readonly log: (message: string, error?: unknown) => void,
  ) {}

  arm(executionId: string, stepRowId: string, resumeAt: number): void {
    this.clear(executionId, stepRowId);
    const wait = { executionId, stepRowId, resumeAt };
    let byRow = this.armed.get(executionId);
    if (!byRow) this.armed.set(executionId, (byRow = new Map()));
    byRow.set(stepRowId, wait);
    this.stopped = false;
    this.add(wait).catch((error: unknown) =>
      // The reconciler adds it again; until then the wait stays in the database.
      this.log(`wait scheduler: could not arm ${executionId}/${stepRowId}:`, error),
    );
  }

  clear(executionId: string, stepRowId?: string): void {
    const byRow = this.armed.get(executionId);
    if (!byRow) return;
    for (const wait of [...byRow.values()]) {
      if (stepRowId !== undefined && wait.stepRowId !== stepRowId) continue;
      byRow.delete(wait.stepRowId);
      // A job that is running or already gone cannot be removed; the engine's claim makes it harmless.
      this.queue.remove(waitJobId(wait)).catch(() => undefined);
    }
    if (byRow.size === 0) this.armed.delete(executionId);
  }

  clearAll(): void {
    // The jobs stay in Redis: the next start() arms the same waits under the same job ids.
    this.stopped = true;
    this.armed.clear();
  }

  /** A job came due. Only a wait armed here reaches the engine; it claims the wait exactly once. */
  fired(job: DueJob): void {
    const byRow = this.armed.get(job.executionId);
    if (this.stopped || !byRow?.has(job.stepRowId)) return;
    byRow.delete(job.stepRowId);
    if (byRow.size === 0) this.armed.delete(job.executionId);
    this.due(job.executionId, job.stepRowId);
  }

  async reconcile(): Promise<number> {
    const waits = [...this.armed.values()].flatMap((byRow) => [...byRow.values()]);
    let recreated = 0;
    for (const wait of waits) {
      if (this.stopped || this.armed.get(wait.executionId)?.get(wait.stepRowId) !== wait) continue;
      if (await this.queue.getJob(waitJobId(wait))) continue;
      // Gone from Redis while still armed here (a fired job is disarmed first): Redis lost it.
      await this.add(wait);
      recreated++;
    }
    return recreated;
  }

  private async add(wait: ArmedWait): Promise<void> {
    await this.queue.add(
      'due',
      { executionId: wait.executionId, stepRowId: wait.stepRowId },
      {
        jobId: waitJobId(wait),
        delay: Math.max(0, wait.resumeAt - Date.now()),
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
  }
}
