import type { StateChange } from '../homeassistant/connection.js';
import type { TriggerFire } from './fire.js';

export const HA_STATE_PAYLOAD_KEYS = [
  'entity_id',
  'from',
  'to',
  'old_state',
  'new_state',
  'attributes',
  'time_fired',
] as const;

export interface HaStateTriggerConfig {
  entityId: string;
  from: string[];
  to: string[];
  attributeChanges: boolean;
}

/** Where state changes come from: the shared HomeAssistantConnection (or a test double). */
export interface StateChangeSource {
  onStateChanged(listener: (change: StateChange) => void): () => void;
}

function entityMatches(pattern: string, entityId: string): boolean {
  return pattern.endsWith('*') ? entityId.startsWith(pattern.slice(0, -1)) : pattern === entityId;
}

/** HA's own state trigger semantics: removals never fire; attribute-only changes only when asked. */
export function matchesStateChange(config: HaStateTriggerConfig, change: StateChange): boolean {
  if (!entityMatches(config.entityId, change.entityId) || !change.newState) return false;
  const from = change.oldState?.state ?? null;
  const to = change.newState.state;
  if (from === to && !config.attributeChanges) return false;
  if (config.from.length && (from === null || !config.from.includes(from))) return false;
  if (config.to.length && !config.to.includes(to)) return false;
  return true;
}

export function stateChangePayload(change: StateChange): Record<string, unknown> {
  return {
    entity_id: change.entityId,
    from: change.oldState?.state ?? null,
    to: change.newState?.state ?? null,
    old_state: change.oldState,
    new_state: change.newState,
    attributes: change.newState?.attributes ?? {},
    time_fired: change.timeFired,
  };
}

/**
 * The ha_state triggers of every flow, fed by one source. The source is subscribed only while some
 * enabled flow has an ha_state trigger, so a server with none opens no connection to Home Assistant.
 */
export class HaStateTriggers {
  private readonly byFlow = new Map<string, Array<{ stepKey: string; config: HaStateTriggerConfig }>>();
  private unsubscribe?: () => void;

  constructor(
    private readonly source: StateChangeSource | undefined,
    private readonly fire: (fire: TriggerFire) => void,
  ) {}

  saveFlow(flowId: string, steps: Array<{ stepKey: string; config: HaStateTriggerConfig }>): void {
    if (steps.length) this.byFlow.set(flowId, steps);
    else this.byFlow.delete(flowId);
    if (!this.source) return;
    if (this.byFlow.size && !this.unsubscribe) {
      this.unsubscribe = this.source.onStateChanged((change) => this.onChange(change));
    } else if (!this.byFlow.size && this.unsubscribe) {
      this.unsubscribe();
      this.unsubscribe = undefined;
    }
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private onChange(change: StateChange): void {
    for (const [flowId, steps] of this.byFlow) {
      for (const { stepKey, config } of steps) {
        if (!matchesStateChange(config, change)) continue;
        this.fire({
          flowId,
          triggerStepKey: stepKey,
          triggerType: 'ha_state',
          payload: stateChangePayload(change),
        });
      }
    }
  }
}
