import type { AlertLevel } from '../db/entities/index.js';
import type { StepContext } from '../steps/step-type.js';
import type { ChannelMessage } from './channel.js';

const LEVEL_LABELS: Record<AlertLevel, string> = {
  emergency: 'Emergency',
  warning: 'Warning',
  info: 'Info',
  reminder: 'Reminder',
};

export function levelLabel(level: AlertLevel): string {
  return LEVEL_LABELS[level];
}

/** The trigger node of the run, when the trigger named one. */
export function triggerNodeId(data: Readonly<Record<string, unknown>>): string | null {
  const trigger = data.trigger as { node?: { id?: unknown } } | undefined;
  const id = trigger?.node?.id;
  return typeof id === 'string' && id ? id : null;
}

/** The message channels and webhook_out shape into payloads; the title defaults to "Warning · <flow>". */
export function composeMessage(
  context: StepContext<unknown>,
  input: { text: string; title?: string | undefined; level: AlertLevel; nodeId?: string | null | undefined },
): ChannelMessage {
  const flowName = context.execution.flowName;
  return {
    text: input.text,
    title: input.title || [levelLabel(input.level), flowName].filter(Boolean).join(' · '),
    level: input.level,
    nodeId: input.nodeId || triggerNodeId(context.data),
    flowName,
    executionId: context.execution.id,
    stepKey: context.step.key,
    sentAt: context.now().toISOString(),
  };
}
