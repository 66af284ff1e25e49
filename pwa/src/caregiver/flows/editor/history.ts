import { computed, ref } from 'vue';
import { cloneGraph, type Graph } from './graph';

const LIMIT = 100;

interface Command {
  label: string;
  before: Graph;
  after: Graph;
  coalesce?: string | undefined;
}

/**
 * Undo and redo as a stack of commands. Each command keeps the graph before and after it, so undoing
 * never has to know how a change was made (add, connect, move, delete, tidy up, config edits).
 */
export function useHistory(current: () => Graph, replace: (graph: Graph) => void) {
  const done = ref<Command[]>([]);
  const undone = ref<Command[]>([]);

  /**
   * Applies a change as one command. Edits that share a `coalesce` key with the command before
   * (typing into one field) extend it, so one undo takes back the whole edit, not one letter.
   */
  function record(label: string, change: (graph: Graph) => void | boolean, coalesce?: string): boolean {
    const before = cloneGraph(current());
    const working = cloneGraph(before);
    if (change(working) === false) return false;
    if (JSON.stringify(working) === JSON.stringify(before)) return false;
    const last = done.value.at(-1);
    if (coalesce && last?.coalesce === coalesce && undone.value.length === 0) {
      done.value = [...done.value.slice(0, -1), { ...last, after: cloneGraph(working) }];
      replace(working);
      return true;
    }
    done.value = [...done.value.slice(-(LIMIT - 1)), { label, before, after: cloneGraph(working), coalesce }];
    undone.value = [];
    replace(working);
    return true;
  }

  function undo(): void {
    const command = done.value.at(-1);
    if (!command) return;
    done.value = done.value.slice(0, -1);
    undone.value = [...undone.value, command];
    replace(cloneGraph(command.before));
  }

  function redo(): void {
    const command = undone.value.at(-1);
    if (!command) return;
    undone.value = undone.value.slice(0, -1);
    done.value = [...done.value, command];
    replace(cloneGraph(command.after));
  }

  /** Ends coalescing, e.g. when another field or step is chosen. */
  function seal(): void {
    const last = done.value.at(-1);
    if (last?.coalesce) done.value = [...done.value.slice(0, -1), { ...last, coalesce: undefined }];
  }

  function clear(): void {
    done.value = [];
    undone.value = [];
  }

  return {
    record,
    seal,
    undo,
    redo,
    clear,
    canUndo: computed(() => done.value.length > 0),
    canRedo: computed(() => undone.value.length > 0),
    undoLabel: computed(() => done.value.at(-1)?.label ?? ''),
    redoLabel: computed(() => undone.value.at(-1)?.label ?? ''),
  };
}
