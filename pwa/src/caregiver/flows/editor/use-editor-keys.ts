import { onBeforeUnmount, onMounted } from 'vue';

export interface KeyActions {
  undo(): void;
  redo(): void;
  /** Deletes the selection; returns false when nothing is selected (the key is then left alone). */
  deleteSelected(): boolean;
  escape(): void;
}

/** Keyboard on a laptop: Ctrl/⌘+Z, Ctrl/⌘+Shift+Z (or Ctrl+Y), Delete, Escape — never while typing. */
export function useEditorKeys(actions: KeyActions): void {
  function onKey(event: KeyboardEvent): void {
    const target = event.target as HTMLElement | null;
    if (target?.closest('input, textarea, select, [contenteditable], dialog')) return;
    const mod = event.ctrlKey || event.metaKey;
    if (mod && event.key.toLowerCase() === 'z') {
      event.preventDefault();
      if (event.shiftKey) actions.redo();
      else actions.undo();
    } else if (mod && event.key.toLowerCase() === 'y') {
      event.preventDefault();
      actions.redo();
    } else if (event.key === 'Delete' || event.key === 'Backspace') {
      if (actions.deleteSelected()) event.preventDefault();
    } else if (event.key === 'Escape') actions.escape();
  }
  onMounted(() => window.addEventListener('keydown', onKey));
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey));
}
