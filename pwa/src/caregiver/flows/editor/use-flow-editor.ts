import { useClientHandle } from '@urql/vue';
import { computed, ref, shallowRef, watch } from 'vue';
import { describeError } from '../../../shared/graphql/errors';
import { dropDraft, loadDraft, storeDraft } from './drafts';
import { cloneGraph, graphOf, shapeOf, toInput, type Graph } from './graph';
import { useHistory } from './history';
import {
  FlowEditorQuery,
  SavePositions,
  UpdateFlowGraph,
  type LoadedFlow,
  type StepTypeInfo,
} from './operations';

export interface Issue {
  code: string;
  stepKey: string | null;
  field: string | null;
  message: string;
}

export interface Conflict {
  currentVersion: number;
  theirs: LoadedFlow | null;
}

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
  const saving = ref(false);
  const saveMessage = ref('');
  const conflict = ref<Conflict | null>(null);
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

  async function save(): Promise<boolean> {
    if (saving.value) return false;
    saving.value = true;
    saveMessage.value = '';
    try {
      const result = await client
        .mutation(UpdateFlowGraph, {
          id: flowId,
          input: { ...toInput(graph.value), expectedVersion: baseVersion.value },
        })
        .toPromise();
      const reply = result.data?.updateFlow;
      if (!reply) throw result.error ?? new Error('empty response');
      if (reply.__typename === 'MutationUpdateFlowSuccess') {
        baseVersion.value = reply.data.version;
        savedShape.value = shapeOf(graph.value);
        issues.value = [];
        flow.value = flow.value && {
          ...flow.value,
          version: reply.data.version,
          updatedAt: reply.data.updatedAt,
        };
        await dropDraft(flowId);
        saveMessage.value = 'Saved';
        return true;
      }
      if (reply.__typename === 'FlowValidationError') {
        issues.value = reply.issues;
        saveMessage.value = `Not saved: ${reply.issues.length} ${reply.issues.length === 1 ? 'problem' : 'problems'} to fix`;
        return false;
      }
      if (reply.__typename === 'VersionConflictError') {
        conflict.value = {
          currentVersion: reply.currentVersion,
          theirs: await fetchFlow().catch(() => null),
        };
        saveMessage.value = 'Not saved: someone else saved first';
        return false;
      }
      saveMessage.value = `Not saved: ${reply.message}`;
      return false;
    } catch (cause) {
      saveMessage.value = `Not saved: ${describeError(cause)}`;
      return false;
    } finally {
      saving.value = false;
    }
  }

  /** Their version replaces the draft; the draft is gone. */
  function reloadTheirs(): void {
    const theirs = conflict.value?.theirs;
    conflict.value = null;
    if (theirs) adopt(theirs);
    void dropDraft(flowId);
    saveMessage.value = '';
  }

  /** The draft stays and the next save goes on top of their version. */
  function keepMine(): void {
    if (!conflict.value) return;
    baseVersion.value = conflict.value.currentVersion;
    savedShape.value = conflict.value.theirs ? shapeOf(graphOf(conflict.value.theirs)) : '';
    conflict.value = null;
    saveMessage.value = 'Your changes are kept; save to put them on top';
  }

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
    saving,
    saveMessage,
    conflict,
    restoredDraft,
    history,
    save,
    reloadTheirs,
    keepMine,
    positionsChanged,
    reload: load,
  };
}
