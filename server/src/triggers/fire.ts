/** A trigger that fired, shaped like the engine's TriggerInput so it is handed over as is. */
export interface TriggerFire {
  flowId: string;
  triggerStepKey: string;
  triggerType: 'sensor_value' | 'node_event' | 'schedule' | 'webhook' | 'ha_state';
  payload: Record<string, unknown>;
}

/** Map key of one step of one flow, shared by the trigger kinds (NUL occurs in neither part). */
export const stepId = (flowId: string, stepKey: string): string => `${flowId}\u0000${stepKey}`;
