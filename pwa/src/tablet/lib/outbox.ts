import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export interface QueuedAnswer {
  answerId: string;
  promptId: string;
  action: 'ESCALATE' | 'DISMISS';
  queuedAt: number;
}

interface OutboxDb extends DBSchema {
  answers: { key: string; value: QueuedAnswer };
}

let db: Promise<IDBPDatabase<OutboxDb>> | undefined;
const open = () =>
  (db ??= openDB<OutboxDb>('kinflow-tablet', 1, {
    upgrade(database) {
      database.createObjectStore('answers', { keyPath: 'answerId' });
    },
  }));

/**
 * Answers waiting to reach the server, in IndexedDB so a reload or a power cut loses none. Each keeps
 * the answerId it was made with: sending it again is harmless, the server answers the same.
 */
export const outbox = {
  async put(answer: QueuedAnswer): Promise<void> {
    await (await open()).put('answers', answer);
  },
  async remove(answerId: string): Promise<void> {
    await (await open()).delete('answers', answerId);
  },
  async all(): Promise<QueuedAnswer[]> {
    const answers = await (await open()).getAll('answers');
    return answers.sort((a, b) => a.queuedAt - b.queuedAt);
  },
};
