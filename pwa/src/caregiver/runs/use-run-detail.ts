import { useClientHandle } from '@urql/vue';
import { ref, watch, type Ref } from 'vue';
import { describeError } from '../../shared/graphql/errors';
import { useLiveFeed } from './live-feed';
import { RunDetailQuery, type ExecutionEvent, type RunDetail } from './operations';

type StepRun = RunDetail['timeline'][number];
const RUN_ENDS = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'WAITING']);

/**
 * One run, live. Step events update the timeline in place; outputs and pipeline data are not in
 * events, so the run is read again once when it waits or ends (not per event). `applied` lists the
 * sequence numbers applied, in order: each event is applied at most once, across reconnects.
 */
export function useRunDetail(id: Ref<string>) {
  const { client } = useClientHandle();
  const run = ref<RunDetail | null>(null);
  const status = ref<'loading' | 'ready' | 'missing' | 'error'>('loading');
  const error = ref<string | null>(null);
  const applied = ref<number[]>([]);
  let lastSeq = 0;
  let refetchTimer: ReturnType<typeof setTimeout> | undefined;

  async function read(): Promise<{ cursor: string | null } | null> {
    const result = await client
      .query(RunDetailQuery, { id: id.value }, { requestPolicy: 'network-only' })
      .toPromise();
    if (result.error) throw result.error;
    const found = result.data?.execution ?? null;
    if (!found) {
      status.value = 'missing';
      return null;
    }
    run.value = found;
    lastSeq = Math.max(lastSeq, found.eventSeq);
    status.value = 'ready';
    return { cursor: result.data?.executionEventsCursor ?? null };
  }

  async function load(): Promise<void> {
    status.value = 'loading';
    run.value = null;
    applied.value = [];
    lastSeq = 0;
    try {
      const read1 = await read();
      if (read1) feed.start(read1.cursor);
    } catch (cause) {
      error.value = describeError(cause);
      status.value = 'error';
    }
  }

  function refetchSoon(): void {
    clearTimeout(refetchTimer);
    refetchTimer = setTimeout(() => void read().catch(() => undefined), 150);
  }

  function apply(event: ExecutionEvent): void {
    const current = run.value;
    if (!current || event.executionId !== current.id || event.seq <= lastSeq) return;
    // A hole in the sequence means events were lost: the stored run is the truth.
    if (event.seq > lastSeq + 1) refetchSoon();
    lastSeq = event.seq;
    applied.value = [...applied.value, event.seq];
    const next: RunDetail = { ...current, eventSeq: event.seq, timeline: [...current.timeline] };
    if (event.kind === 'EXECUTION') {
      if (event.status !== 'SKIPPED') next.status = event.status;
      if (RUN_ENDS.has(event.status)) refetchSoon();
    } else if (event.stepKey) {
      const key = event.stepKey;
      const rows = next.timeline.filter((row) => row.stepKey === key);
      const last = rows.at(-1);
      if (event.status === 'RUNNING' || !last || (event.status === 'SKIPPED' && last.status !== 'RUNNING')) {
        const row: StepRun = {
          stepKey: key,
          stepType: event.stepType ?? last?.stepType ?? '',
          status: event.status,
          attempt: rows.length + 1,
          startedAt: event.at,
          elapsedMs: event.elapsedMs,
          output: null,
          ports: event.ports ?? [],
          error: event.error,
        };
        next.timeline.push(row);
      } else {
        const index = next.timeline.lastIndexOf(last);
        next.timeline[index] = {
          ...last,
          status: event.status,
          elapsedMs: event.elapsedMs ?? last.elapsedMs,
          ports: event.ports ?? last.ports,
          error: event.error ?? last.error,
        };
      }
      if (event.status === 'RUNNING' || event.status === 'WAITING') next.currentStep = key;
      if (event.status === 'COMPLETED' && !next.completedSteps.includes(key))
        next.completedSteps = [...next.completedSteps, key];
      if (event.status === 'SKIPPED' && !next.skippedSteps.includes(key))
        next.skippedSteps = [...next.skippedSteps, key];
    }
    run.value = next;
  }

  const feed = useLiveFeed({
    filter: () => ({ executionId: id.value }),
    onEvent: apply,
    onGap: refetchSoon,
  });

  watch(id, () => void load(), { immediate: true });
  return { run, status, error, applied, feed, reload: load };
}
