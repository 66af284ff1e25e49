import { openDB, type IDBPDatabase } from 'idb';
import type { Graph } from './graph';

/** An unsaved graph kept on the device, so a reload or a flat battery loses nothing. */
export interface StoredDraft {
  flowId: string;
  baseVersion: number;
  graph: Graph;
  savedAt: number;
}

let db: Promise<IDBPDatabase> | null = null;
const open = () =>
  (db ??= openDB('kinflow-editor', 1, {
    upgrade(database) {
      database.createObjectStore('drafts', { keyPath: 'flowId' });
    },
  }));

export async function loadDraft(flowId: string): Promise<StoredDraft | undefined> {
  try {
    return (await (await open()).get('drafts', flowId)) as StoredDraft | undefined;
  } catch {
    return undefined; // Private browsing may refuse IndexedDB; the editor still works without drafts.
  }
}

export async function storeDraft(draft: StoredDraft): Promise<void> {
  try {
    await (await open()).put('drafts', draft);
  } catch {
    /* see loadDraft */
  }
}

export async function dropDraft(flowId: string): Promise<void> {
  try {
    await (await open()).delete('drafts', flowId);
  } catch {
    /* see loadDraft */
  }
}
