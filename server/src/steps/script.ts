import { z } from 'zod';
import { checkScriptSyntax, loadScriptSandbox, runScript, SCRIPT_LIMITS } from '../sandbox/quickjs.js';
import { defineStepType, ERROR_PORT, MAIN_PORT } from './step-type.js';

// Loaded when the registry imports this file, so save-time checks can compile code synchronously.
await loadScriptSandbox();

export default defineStepType({
  type: 'script',
  category: 'action',
  title: 'Script',
  description:
    'Runs JavaScript in a sandbox (QuickJS in WebAssembly) on a read-only copy of the pipeline data — payload, last, steps, vars, trigger, system — and outputs what it returns as result. No access to the server, files, network or timers; memory, stack and time are limited.',
  configSchema: z
    .object({
      code: z
        .string()
        .min(1)
        .max(SCRIPT_LIMITS.maxCodeChars)
        .describe(
          'The body of an async function: `return` a JSON value, `await` works, console.log goes to the step’s logs. E.g. return { hot: payload.temperature > vars.threshold }',
        ),
      timeoutMs: z
        .number()
        .int()
        .min(10)
        .max(SCRIPT_LIMITS.maxTimeoutMs)
        .default(SCRIPT_LIMITS.defaultTimeoutMs)
        .describe('Stop the script after this many milliseconds'),
      memoryMB: z
        .number()
        .int()
        .min(1)
        .max(SCRIPT_LIMITS.maxMemoryMB)
        .default(SCRIPT_LIMITS.defaultMemoryMB)
        .describe('Memory the script may use, in MB'),
    })
    .strict(),
  configVersion: 1,
  ports: [MAIN_PORT, ERROR_PORT],
  // JavaScript is not a template: `{value}` and `{{` in code stay as written.
  verbatimFields: ['code'],
  check: (config) => {
    const error = checkScriptSyntax(config.code);
    return error ? [{ field: 'code', message: error.message }] : [];
  },
  writes: () => ['result', 'logs'],
  declaredDurationMs: (config) => config.timeoutMs,
  run: async ({ config, data, last, signal }) => {
    const trigger = (data.trigger ?? {}) as Record<string, unknown>;
    const outcome = await runScript({
      code: config.code,
      data: {
        payload: trigger.payload ?? {},
        last: last ?? null,
        steps: data.steps ?? {},
        vars: data.vars ?? {},
        trigger,
        system: data.system ?? {},
      },
      timeoutMs: config.timeoutMs,
      memoryMB: config.memoryMB,
      signal,
    });
    return {
      output: { result: outcome.value, ...(outcome.logs.length > 0 && { logs: outcome.logs }) },
    };
  },
});
