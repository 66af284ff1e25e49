import type { InjectionKey, Ref } from 'vue';

/** What a node on the canvas may ask the editor to do; the editor applies it (and records history). */
export interface EditorActions {
  addAfter(source: string, sourcePort: string): void;
  startConnect(source: string, sourcePort: string): void;
  pending: Ref<{ source: string; sourcePort: string } | null>;
}

export const EDITOR: InjectionKey<EditorActions> = Symbol('editor');
