import type { AlertRaisedEvent, PipelineExecutionEvent } from './types.js';

export type Listener<T> = (event: T) => void;

/** Synchronous fan-out; a throwing listener is reported and never breaks a run. */
export class EventBus<T> {
  private readonly listeners = new Set<Listener<T>>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  subscribe(listener: Listener<T>): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Lets the hot path skip building events nobody will read. */
  get hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  publish(event: T): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}

/** Every run and step status change, published after the change is committed to the database. */
export class ExecutionEventBus extends EventBus<PipelineExecutionEvent> {}

export class AlertEventBus extends EventBus<AlertRaisedEvent> {}
