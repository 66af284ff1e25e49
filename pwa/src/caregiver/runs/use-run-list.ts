import { useClientHandle } from '@urql/vue';
import { readFragment } from 'gql.tada';
import { ref, watch, type Ref } from 'vue';
import { describeError } from '../../shared/graphql/errors';
import { useLiveFeed } from './live-feed';
import {
  RunSummaryFields,
  RunSummaryQuery,
  RunsQuery,
  type ExecutionEvent,
  type RunSummary,
  type RunsFilter,
} from './operations';

const FINISHED = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** Does a run (as far as the list knows it) still pass the filter? Used for live arrivals. */
function matches(run: RunSummary, filter: RunsFilter): boolean {
  if (filter.flowId && run.flow.id !== filter.flowId) return false;
  if (filter.status?.length && !filter.status.includes(run.status)) return false;
  if (filter.active === true && !['RUNNING', 'WAITING'].includes(run.status)) return false;
  if (filter.triggerType?.length && !filter.triggerType.includes(run.triggerType)) return false;
  return true;
}

/**
 * Runs, newest first, with infinite scroll, kept live from the execution event feed: statuses change
 * in place, new runs appear at the top. Each event is applied once: a run remembers the last `seq`
 * it applied (starting from the `eventSeq` it was loaded with) and older or repeated events are ignored.
 */
export function useRunList(filter: Ref<RunsFilter>, pageSize = 25) {
  const { client } = useClientHandle();
  const runs = ref<RunSummary[]>([]);
  const totalCount = ref(0);
  const hasNextPage = ref(false);
  const status = ref<'loading' | 'ready' | 'error'>('loading');
  const error = ref<string | null>(null);
  const loadingMore = ref(false);
  let endCursor: string | null = null;
  let generation = 0;
  const fetching = new Set<string>();

  async function page(after: string | null) {
    const result = await client
      .query(RunsQuery, { first: pageSize, after, ...filter.value }, { requestPolicy: 'network-only' })
      .toPromise();
    if (result.error || !result.data) throw result.error ?? new Error('empty response');
    return result.data;
  }

  const nodes = (data: Awaited<ReturnType<typeof page>>) =>
    data.executions.edges.map((edge) => readFragment(RunSummaryFields, edge.node));

  async function reload(): Promise<void> {
    const mine = ++generation;
    status.value = 'loading';
    error.value = null;
    try {
      const data = await page(null);
      if (mine !== generation) return;
      runs.value = nodes(data);
      totalCount.value = data.executions.totalCount;
      hasNextPage.value = data.executions.pageInfo.hasNextPage;
      endCursor = data.executions.pageInfo.endCursor ?? null;
      status.value = 'ready';
      feed.start(data.executionEventsCursor ?? null);
    } catch (cause) {
      if (mine !== generation) return;
      error.value = describeError(cause);
      status.value = 'error';
    }
  }

  async function loadMore(): Promise<void> {
    if (loadingMore.value || !hasNextPage.value) return;
    const mine = generation;
    loadingMore.value = true;
    try {
      const data = await page(endCursor);
      if (mine !== generation) return;
      const seen = new Set(runs.value.map((run) => run.id));
      runs.value = [...runs.value, ...nodes(data).filter((run) => !seen.has(run.id))];
      hasNextPage.value = data.executions.pageInfo.hasNextPage;
      endCursor = data.executions.pageInfo.endCursor ?? null;
    } catch (cause) {
      error.value = describeError(cause);
    } finally {
      loadingMore.value = false;
    }
  }

  /** A run the list has not seen: one read for it, then it is kept live like the others. */
  async function arrive(id: string): Promise<void> {
    if (fetching.has(id)) return;
    fetching.add(id);
    const mine = generation;
    try {
      const result = await client
        .query(RunSummaryQuery, { id }, { requestPolicy: 'network-only' })
        .toPromise();
      const run = result.data?.execution ? readFragment(RunSummaryFields, result.data.execution) : null;
      if (!run || mine !== generation || runs.value.some((r) => r.id === id)) return;
      if (!matches(run, filter.value)) return;
      runs.value = [run, ...runs.value].sort((a, b) => (a.id < b.id ? 1 : -1));
      totalCount.value += 1;
    } finally {
      fetching.delete(id);
    }
  }

  function apply(event: ExecutionEvent): void {
    const index = runs.value.findIndex((run) => run.id === event.executionId);
    if (index < 0) {
      if (event.kind === 'EXECUTION' && !FINISHED.has(event.status)) void arrive(event.executionId);
      return;
    }
    const run = runs.value[index]!;
    if (event.seq <= run.eventSeq) return;
    const next: RunSummary = { ...run, eventSeq: event.seq };
    if (event.kind === 'EXECUTION' && event.status !== 'SKIPPED') {
      next.status = event.status;
      if (FINISHED.has(event.status)) next.currentStep = null;
      if (event.elapsedMs !== null && FINISHED.has(event.status)) next.durationMs = event.elapsedMs;
    } else if (event.status === 'RUNNING' || event.status === 'WAITING') {
      next.currentStep = event.stepKey;
    }
    runs.value.splice(index, 1, next);
  }

  const feed = useLiveFeed({
    filter: () => ({ flowId: filter.value.flowId ?? null }),
    onEvent: apply,
    onGap: () => void reload(),
  });

  watch(filter, () => void reload(), { deep: true, immediate: true });

  return { runs, totalCount, hasNextPage, status, error, loadingMore, reload, loadMore, feed };
}
