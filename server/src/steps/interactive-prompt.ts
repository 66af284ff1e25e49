import { z } from 'zod';
import { careServices, targetFromConfig, type PromptView } from '../care/index.js';
import { defineStepType } from './step-type.js';

export default defineStepType({
  type: 'interactive_prompt',
  category: 'care',
  title: 'Check-in prompt',
  description:
    'Asks the senior a question on the tablet (text and/or voice) with two large buttons and a countdown, and waits for the answer.',
  configSchema: z
    .object({
      deviceId: z.string().optional().describe('Tablet to ask on; every tablet when empty'),
      room: z
        .string()
        .max(80)
        .optional()
        .describe('Ask on every tablet in this room (when no tablet is set)'),
      popupMessageTemplate: z.string().max(500).optional().describe('Text shown on the tablet'),
      voicePromptTemplate: z.string().max(500).optional().describe('Text spoken on the tablet'),
      escalateButtonText: z.string().min(1).max(40).default('I need help'),
      dismissButtonText: z.string().min(1).max(40).default('I’m okay'),
      countdownSeconds: z.number().int().min(5).max(300).default(30),
      timeoutAction: z.enum(['escalate', 'dismiss']).default('escalate'),
      autoEscalate: z
        .boolean()
        .default(false)
        .describe('Set auto_escalate_triggered when escalated or timed out'),
      outputKey: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
        .default('interactive_response'),
    })
    .strict()
    .refine((c) => !!c.popupMessageTemplate || !!c.voicePromptTemplate, {
      message: 'set popupMessageTemplate, voicePromptTemplate or both',
      path: ['popupMessageTemplate'],
    }),
  references: [{ path: 'deviceId', entity: 'device' }],
  ports: [
    {
      name: 'escalate',
      label: 'Needs help',
      description: 'The senior asked for help, or the timeout escalates',
    },
    { name: 'dismiss', label: 'Okay', description: 'The senior is okay, or the timeout dismisses' },
    { name: 'answered', label: 'Answered', description: 'Any answer from the senior' },
    { name: 'timeout', label: 'No answer', description: 'The countdown ran out' },
  ],
  // The answer lands under the output key, and (004) the escalation flag as a flat key of its own.
  writes: (config) => [config.outputKey, 'auto_escalate_triggered'],
  run: ({ config, resume, execution, step, ...context }) => {
    const care = careServices(context);
    if (!resume) {
      // Stored before the run parks as waiting; a re-run of this step after a crash re-uses it.
      const prompt = care.openPrompt({
        ...targetFromConfig(config),
        executionId: execution.id,
        stepKey: step.key,
        message: config.popupMessageTemplate || config.voicePromptTemplate!,
        voiceMessage: config.voicePromptTemplate || null,
        escalateText: config.escalateButtonText,
        dismissText: config.dismissButtonText,
        countdownSeconds: config.countdownSeconds,
        timeoutAction: config.timeoutAction,
      });
      return {
        output: { promptId: prompt.id, expiresAt: prompt.expiresAt.toISOString() },
        wait: { until: prompt.expiresAt, for: { kind: 'prompt', promptId: prompt.id } },
      };
    }
    const promptId = String(resume.waitingFor?.promptId ?? '');
    const prompt = care.settlePrompt(promptId);
    if (!prompt) throw new Error(`prompt ${promptId} no longer exists`);
    return outcome(config, prompt);
  },
});

/** The seed's output: `{ channel, action, timestamp, raw_response, device }` under the output key. */
function outcome(
  config: { outputKey: string; timeoutAction: 'escalate' | 'dismiss'; autoEscalate: boolean },
  prompt: PromptView,
) {
  const answer = prompt.answer;
  const action = answer ? answer.action : config.timeoutAction;
  const response = {
    channel: answer ? answer.via : 'timeout',
    action,
    timestamp: (answer ? answer.at : new Date()).toISOString(),
    raw_response: answer
      ? { promptId: prompt.id, answerId: answer.answerId, action, by: answer.byName, via: answer.via }
      : null,
    device: answer && answer.via === 'tablet' ? { id: answer.byId, name: answer.byName } : null,
  };
  const escalated = action === 'escalate';
  return {
    output: {
      [config.outputKey]: response,
      ...(config.autoEscalate && escalated && { auto_escalate_triggered: true }),
    },
    ports: [action, answer ? 'answered' : 'timeout'],
    cooloff: escalated,
  };
}
