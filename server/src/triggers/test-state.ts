import type { TriggerState } from './trigger-steps.js';

/** In-memory TriggerState for unit tests; `writes` counts persisted changes. */
export class MemoryTriggerState implements TriggerState {
  readonly values = new Map<string, unknown>();
  writes = 0;

  get<T>(flowId: string, key: string): T | undefined {
    return this.values.get(`${flowId}|${key}`) as T | undefined;
  }

  all<T>(prefix: string): Array<{ flowId: string; key: string; value: T }> {
    return [...this.values]
      .map(([id, value]) => {
        const [flowId = '', key = ''] = id.split('|');
        return { flowId, key, value: value as T };
      })
      .filter((entry) => entry.key.startsWith(prefix));
  }

  set(flowId: string, key: string, value: unknown): void {
    this.writes++;
    this.values.set(`${flowId}|${key}`, structuredClone(value));
  }
}
