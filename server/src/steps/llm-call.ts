import { z } from 'zod';
import { actionServices } from '../actions/services.js';
import { closest } from '../engine/expressions/suggest.js';
import { chat, compileSchema, composePrompt, suppressesNotification } from '../llm/index.js';
import { templateString } from './shared-schemas.js';
import {
  defineStepType,
  ERROR_PORT,
  MAIN_PORT,
  StepNotConfiguredError,
  type ConfigIssue,
  type StepSettings,
} from './step-type.js';

const NOT_CONFIGURED = 'no language models are configured (set KINFLOW_LLM_MODELS)';

const settingsOf = (services: unknown): StepSettings =>
  (services as { settings?: StepSettings } | undefined)?.settings ?? {};

export default defineStepType({
  type: 'llm_call',
  category: 'action',
  title: 'Ask a language model',
  description:
    'Sends a prompt to a model from the server’s model registry (any OpenAI-compatible chat completions server) and stores the answer under outputKey: text, or JSON parsed and checked against a schema on the server, asking again when it does not match or contains the hallucination marker. A JSON answer with `is_notification_needed: false` also writes `notification_suppressed: true`.',
  configSchema: z
    .object({
      model: z
        .string()
        .min(1)
        .max(64)
        .describe('Name of a model in the server’s registry (KINFLOW_LLM_MODELS)'),
      prompt: templateString(
        'What to ask, e.g. "Translate to Tamil: {{logic_response.user_notification}}" ({{ … }} templates work)',
      ),
      specialInstructions: z
        .string()
        .max(4000)
        .optional()
        .describe('Put before the prompt: a style guide, a role, constraints (templates work)'),
      includeContext: z
        .array(z.string().min(1).max(200))
        .max(20)
        .default([])
        .describe(
          'Pipeline data keys (paths like steps.scene.output) shown to the model above the prompt; person_detections and vision_response when empty',
        ),
      responseFormat: z
        .enum(['text', 'json_schema', 'json_free'])
        .default('text')
        .describe(
          'text: the answer as a string; json_schema: JSON checked against the schema; json_free: any JSON',
        ),
      responseSchema: z
        .record(z.string(), z.unknown())
        .optional()
        .describe('JSON Schema the answer must match (responseFormat json_schema)'),
      hallucinationMarker: z
        .string()
        .min(1)
        .max(200)
        .optional()
        .describe('Ask again when the answer contains this text (a known failure of the model)'),
      outputKey: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'letters, digits and _, starting with a letter or _')
        .default('llm_response')
        .describe('Pipeline data key the answer is stored under, e.g. logic_response or translation'),
      timeoutSeconds: z
        .number()
        .positive()
        .max(900)
        .default(120)
        .describe('Time for the whole step: every attempt and any wait the server asks for (Retry-After)'),
    })
    .strict()
    .refine((config) => config.responseFormat !== 'json_schema' || config.responseSchema, {
      message: 'a responseSchema is required when responseFormat is json_schema',
      path: ['responseSchema'],
    }),
  ports: [MAIN_PORT, ERROR_PORT],
  // The schema is a document, not text: `{…}` inside its descriptions must not be rendered as templates.
  deferredFields: ['responseSchema'],
  unavailable: (settings) => (settings.llmModels?.size ? undefined : NOT_CONFIGURED),
  schemaHints: (settings): Record<string, Record<string, unknown>> =>
    settings.llmModels?.size ? { model: { enum: [...settings.llmModels.keys()] } } : {},
  check: (config, settings) => {
    const issues: ConfigIssue[] = [];
    const models = settings?.llmModels;
    if (models?.size && !models.has(config.model)) {
      const suggestion = closest(config.model, models.keys());
      issues.push({
        field: 'model',
        message: `unknown model "${config.model}"${
          suggestion ? ` (did you mean "${suggestion}"?)` : ''
        }; configured: ${[...models.keys()].join(', ')}`,
      });
    }
    if (config.responseSchema) {
      try {
        compileSchema(config.responseSchema);
      } catch (error) {
        issues.push({
          field: 'responseSchema',
          message: `not a usable JSON Schema: ${(error as Error).message}`,
        });
      }
    }
    return issues;
  },
  declaredDurationMs: (config) => config.timeoutSeconds * 1000,
  writes: (config) => [config.outputKey, 'notification_suppressed', 'llm'],
  run: async (context) => {
    const { config, signal } = context;
    const services = actionServices(context);
    const model = settingsOf(context.services).llmModels?.get(config.model);
    if (!model) {
      throw new StepNotConfiguredError(
        settingsOf(context.services).llmModels?.size
          ? `model "${config.model}" is not in the server’s registry (KINFLOW_LLM_MODELS)`
          : NOT_CONFIGURED,
      );
    }
    const schemaEnforced =
      config.responseFormat === 'json_schema' && model.capabilities.includes('json_schema');
    const content = composePrompt(
      {
        prompt: config.prompt,
        specialInstructions: config.specialInstructions,
        includeContext: config.includeContext,
        format: config.responseFormat,
        schema: config.responseSchema,
        schemaEnforced,
      },
      context.data,
    );
    // testStep asks the model too: a question changes nothing, and trying a prompt is the point of it.
    const result = await chat(
      {
        model,
        content,
        format: config.responseFormat,
        schema: config.responseSchema,
        validator:
          config.responseFormat === 'json_schema' && config.responseSchema
            ? compileSchema(config.responseSchema)
            : undefined,
        hallucinationMarker: config.hallucinationMarker,
        deadline: Date.now() + config.timeoutSeconds * 1000,
      },
      { fetch: services.outbound.fetch, sleep: services.sleep, now: Date.now, signal },
    );
    return {
      output: {
        [config.outputKey]: result.value,
        ...(suppressesNotification(result.value) && { notification_suppressed: true }),
        llm: {
          model: config.model,
          requests: result.requests,
          rejected: result.rejected,
          ...(result.finishReason && { finishReason: result.finishReason }),
          ...(result.usage && { usage: result.usage }),
        },
      },
    };
  },
});
