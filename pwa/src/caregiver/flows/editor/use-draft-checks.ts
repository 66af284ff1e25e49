import { useClientHandle } from '@urql/vue';
import { ref, watch } from 'vue';
import type { Graph } from './graph';
import { DataKeysQuery, ExpressionIssuesQuery } from './operations';
import type { Issue } from './use-versioned-save';

const DELAY_MS = 300;

/**
 * What the server says about the step being edited while it is still a draft: the data keys it may
 * use (for `{{` autocomplete) and the problems of its expressions and templates, from the server's own
 * parser — debounced, so typing is not a request per letter.
 */
export function useDraftChecks(
  flowId: () => string,
  graph: () => Graph,
  stepKey: () => string | null,
  active: () => boolean,
) {
  const { client } = useClientHandle();
  const dataKeys = ref<string[]>([]);
  /** Null until the server has checked the step as it is now; then its problems (maybe none). */
  const expressionIssues = ref<Issue[] | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;

  watch(
    () => {
      const key = stepKey();
      if (!active() || !key) return '';
      const g = graph();
      return JSON.stringify([key, g.edges, g.steps.map((s) => [s.key, s.type, s.config])]);
    },
    (signature, previous) => {
      clearTimeout(timer);
      const key = stepKey();
      if (!signature || !key) return;
      // A different step, or a change: what was checked no longer applies.
      if (JSON.parse(previous || '[null]')[0] !== key) dataKeys.value = [];
      expressionIssues.value = null;
      const draft = {
        steps: graph().steps.map((step) => ({ key: step.key, type: step.type, config: step.config })),
        edges: graph().edges.map(({ source, target }) => ({ source, target })),
      };
      timer = setTimeout(() => void check(++asked, key, draft), DELAY_MS);
    },
    { immediate: true },
  );

  async function check(
    ticket: number,
    stepKey: string,
    draft: {
      steps: Array<{ key: string; type: string; config: Record<string, unknown> }>;
      edges: Array<{ source: string; target: string }>;
    },
  ): Promise<void> {
    const [keys, problems] = await Promise.all([
      client
        .query(DataKeysQuery, { flowId: flowId(), stepKey, draft }, { requestPolicy: 'network-only' })
        .toPromise(),
      client.query(ExpressionIssuesQuery, { draft, stepKey }, { requestPolicy: 'network-only' }).toPromise(),
    ]);
    // An answer to an older question arrives late: the newer one wins.
    if (ticket !== asked) return;
    const reply = keys.data?.dataKeys;
    if (reply?.__typename === 'QueryDataKeysSuccess') dataKeys.value = reply.data;
    if (problems.data) expressionIssues.value = problems.data.expressionIssues;
  }

  return { dataKeys, expressionIssues };
}
