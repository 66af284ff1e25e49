import { useClientHandle } from '@urql/vue';
import { computed, ref, shallowRef, watch } from 'vue';
import { describeError } from '../../../shared/graphql/errors';
import { dropDraft, loadDraft, storeDraft } from './drafts';
import { cloneGraph, graphOf, shapeOf, type Graph } from './graph';
import { useHistory } from './history';
import { FlowEditorQuery, SavePositions, type LoadedFlow, type StepTypeInfo } from './operations';
import { useVersionedSave, type Issue } from './use-versioned-save';

export type { Conflict, Issue } from './use-versioned-save';

const POSITION_DELAY_MS = 800;

/** Everything the editor screen holds: the loaded flow, the draft graph, history, saving. */
export function useFlowEditor(flowId: string) {
  const { client } = useClientHandle();
  const status = ref<'loading' | 'ready' | 'missing' | 'error'>('loading');
  const loadError = ref('');
  const flow = shallowRef<LoadedFlow | null>(null);
  const stepTypes = shallowRef<StepTypeInfo[]>([]);
  const graph = ref<Graph>({ steps: [], edges: [] });
  /** The shape of the graph last saved (or loaded); the draft is dirty when it differs. */
  const savedShape = ref(shapeOf(graph.value));
  const baseVersion = ref(0);
  const issues = ref<Issue[]>([]);
  const restoredDraft = ref(false);

  const history = useHistory(
    () => graph.value,
    (next) => (graph.value = next),
  );
  const dirty = computed(() => shapeOf(graph.value) !== savedShape.value);
  const typeOf = computed(() => new Map(stepTypes.value.map((type) => [type.type, type])));
  const triggerTypes = computed(
    () => new Set(stepTypes.value.filter((type) => type.isTrigger).map((type) => type.type)),
  );

  async function fetchFlow(): Promise<LoadedFlow | null> {
    const result = await client
      .query(FlowEditorQuery, { id: flowId }, { requestPolicy: 'network-only' })
      .toPromise();
    if (result.error || !result.data) throw result.error ?? new Error('empty response');
    stepTypes.value = result.data.stepTypes;
    return result.data.flow ?? null;
  }

  function adopt(loaded: LoadedFlow): void {
    flow.value = loaded;
    graph.value = graphOf(loaded);
    savedShape.value = shapeOf(graph.value);
    baseVersion.value = loaded.version;
    issues.value = [];
    history.clear();
  }

  async function load(): Promise<void> {
    status.value = 'loading';
    try {
      const loaded = await fetchFlow();
      if (!loaded) {
        status.value = 'missing';
        return;
      }
      adopt(loaded);
      const draft = await loadDraft(flowId);
      if (draft && shapeOf(draft.graph) !== savedShape.value) {
        graph.value = draft.graph;
        baseVersion.value = draft.baseVersion;
        restoredDraft.value = true;
      }
      status.value = 'ready';
    } catch (cause) {
      loadError.value = describeError(cause);
      status.value = 'error';
    }
  }

  // Every change is kept on the device until it is saved; a saved (clean) graph needs no draft.
  watch(
    graph,
    (current) => {
      if (status.value !== 'ready') return;
      if (dirty.value) {
        void storeDraft({
          flowId,
          baseVersion: baseVersion.value,
          graph: cloneGraph(current),
          savedAt: Date.now(),
        });
      } else void dropDraft(flowId);
    },
    { deep: true },
  );

  // Positions are layout: steps that already exist on the server get them saved (debounced) at once.
  let positionTimer: ReturnType<typeof setTimeout> | undefined;
  function positionsChanged(): void {
    clearTimeout(positionTimer);
    positionTimer = setTimeout(() => {
      const saved = new Set(flow.value?.steps.map((step) => step.key));
      const positions = graph.value.steps
        .filter((step) => saved.has(step.key))
        .map((step) => ({ key: step.key, x: Math.round(step.position.x), y: Math.round(step.position.y) }));
      if (positions.length) void client.mutation(SavePositions, { flowId, positions }).toPromise();
    }, POSITION_DELAY_MS);
  }

  const saving = useVersionedSave({
    flowId,
    flow,
    graph,
    savedShape,
    baseVersion,
    issues,
    dirty,
    fetchFlow,
    adopt,
  });

  void load();
  return {
    status,
    loadError,
    flow,
    stepTypes,
    typeOf,
    triggerTypes,
    graph,
    dirty,
    baseVersion,
    issues,
    restoredDraft,
    history,
    ...saving,
    positionsChanged,
    reload: load,
  };
}
