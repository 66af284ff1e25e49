import { useClientHandle } from '@urql/vue';
import { ref } from 'vue';
import { describeError } from '../../shared/graphql/errors';
import { FlowsQuery, type FlowSummary } from './operations';

export type ListStatus = 'loading' | 'ready' | 'error';

/** Pages through `flows` with "load more"; later pages append to what is shown. */
export function useFlowList(pageSize = 20) {
  const { client } = useClientHandle();
  const flows = ref<FlowSummary[]>([]);
  const totalCount = ref(0);
  const hasNextPage = ref(false);
  const status = ref<ListStatus>('loading');
  const error = ref<string | null>(null);
  const loadingMore = ref(false);
  const moreError = ref<string | null>(null);
  let endCursor: string | null = null;
  // A reload invalidates pages still in flight from before it.
  let generation = 0;

  async function fetchPage(after: string | null) {
    const result = await client
      .query(FlowsQuery, { first: pageSize, after }, { requestPolicy: 'network-only' })
      .toPromise();
    if (result.error || !result.data) throw result.error ?? new Error('empty response');
    return result.data.flows;
  }

  function accept(page: Awaited<ReturnType<typeof fetchPage>>, append: boolean): void {
    const incoming = page.edges.map((edge) => edge.node);
    const seen = new Set(append ? flows.value.map((flow) => flow.id) : []);
    flows.value = [...(append ? flows.value : []), ...incoming.filter((flow) => !seen.has(flow.id))];
    totalCount.value = page.totalCount;
    hasNextPage.value = page.pageInfo.hasNextPage;
    endCursor = page.pageInfo.endCursor;
  }

  async function reload(): Promise<void> {
    const mine = ++generation;
    status.value = 'loading';
    error.value = null;
    moreError.value = null;
    try {
      const page = await fetchPage(null);
      if (mine !== generation) return;
      accept(page, false);
      status.value = 'ready';
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
    moreError.value = null;
    try {
      const page = await fetchPage(endCursor);
      if (mine === generation) accept(page, true);
    } catch (cause) {
      if (mine === generation) moreError.value = describeError(cause);
    } finally {
      loadingMore.value = false;
    }
  }

  void reload();
  return { flows, totalCount, hasNextPage, status, error, loadingMore, moreError, reload, loadMore };
}
