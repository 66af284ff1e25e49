import { useClientHandle } from '@urql/vue';
import { computed, ref, watch, type Ref, type ShallowRef } from 'vue';
import { describeError } from '../../../shared/graphql/errors';
import { relativeTime } from '../../../shared/lib/relative-time';
import { dropDraft } from './drafts';
import { graphOf, shapeOf, toInput, type Graph } from './graph';
import { UpdateFlowGraph, type LoadedFlow } from './operations';

export interface Issue {
  code: string;
  stepKey: string | null;
  field: string | null;
  message: string;
}

/** Someone else saved first: their version, and who saved it when (when the server knows). */
export interface Conflict {
  currentVersion: number;
  theirs: LoadedFlow | null;
}

/** What saving needs of the editor's state. */
export interface SaveTarget {
  flowId: string;
  flow: ShallowRef<LoadedFlow | null>;
  graph: Ref<Graph>;
  savedShape: Ref<string>;
  baseVersion: Ref<number>;
  issues: Ref<Issue[]>;
  dirty: Ref<boolean>;
  fetchFlow: () => Promise<LoadedFlow | null>;
  adopt: (flow: LoadedFlow) => void;
}

/**
 * The whole graph goes to the server in one versioned `updateFlow`. A refusal is never silent: invalid
 * graphs bring their issues back to the steps, and a version conflict opens a choice between their
 * version and the draft on top of it.
 */
export function useVersionedSave(target: SaveTarget) {
  const { client } = useClientHandle();
  const { flowId, flow, graph, savedShape, baseVersion, issues, dirty } = target;
  const saving = ref(false);
  const saveMessage = ref('');
  const conflict = ref<Conflict | null>(null);

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
          updatedBy: reply.data.updatedBy,
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
          theirs: await target.fetchFlow().catch(() => null),
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
    if (theirs) target.adopt(theirs);
    void dropDraft(flowId);
    saveMessage.value = '';
  }

  /** The draft stays and the next save goes on top of their version. */
  function keepMine(): void {
    if (!conflict.value) return;
    baseVersion.value = conflict.value.currentVersion;
    if (conflict.value.theirs) flow.value = conflict.value.theirs;
    savedShape.value = conflict.value.theirs ? shapeOf(graphOf(conflict.value.theirs)) : '';
    conflict.value = null;
    saveMessage.value = 'Your changes are kept; save to put them on top';
  }

  /** "Saved by Ana 2 minutes ago": who got there first, in words. */
  const conflictWords = computed(() => {
    const theirs = conflict.value?.theirs;
    if (!theirs) return 'Saved by someone else just now';
    const when = relativeTime(theirs.updatedAt, Date.now());
    return `Saved by ${theirs.updatedBy ?? 'someone else'} ${when}`;
  });

  // A failed save's reason stays until the next change; "Saved" gives way to "Unsaved changes".
  const stateWords = computed(() => {
    const message = saveMessage.value;
    if (saving.value) return 'Saving…';
    if (message && (message !== 'Saved' || !dirty.value)) return message;
    if (dirty.value) return 'Unsaved changes';
    return flow.value ? `Version ${baseVersion.value}` : '';
  });
  watch(
    () => JSON.stringify(graph.value),
    () => {
      if (!saving.value) saveMessage.value = '';
    },
  );

  return { saving, saveMessage, conflict, conflictWords, stateWords, save, reloadTheirs, keepMine };
}
