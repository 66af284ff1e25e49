import { z } from 'zod';
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
});
