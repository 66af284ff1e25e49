import type { StepContext, StepResult } from '../steps/step-type.js';
import { errorMessage } from './errors.js';
import { invokeStep } from './invoke.js';
import { scrubHidden, withStoredSecrets } from './test-step-secrets.js';
import type { Kernel } from './kernel.js';
import { contextVariables, systemContext } from './pipeline-data.js';
import { renderStepConfig, unrenderedFields } from './runner.js';
import { abortableSleep, visibleVariables, type EngineServices } from './services.js';
import type { TestStepInput, TestStepResult } from './types.js';

const DEFAULT_TEST_TIMEOUT_MS = 10_000;

/**
 * Runs one step type with a config and sample pipeline data, as the 003 seed's test endpoint does.
 * Nothing is saved: variable writes, alerts and child runs go nowhere, a wait is reported, not entered.
 */
export async function testStep(
  k: Pick<Kernel, 'registry' | 'settings' | 'now' | 'catalog'>,
  input: TestStepInput,
): Promise<TestStepResult & { wait?: { until: Date; for?: Record<string, unknown> } }> {
  const started = performance.now();
  const { config: given, hidden } = withStoredSecrets(
    (input.config ?? {}) as Record<string, unknown>,
    input.stored,
    k.settings.secrets,
  );
  const done = (result: Omit<TestStepResult, 'durationMs'> & { wait?: { until: Date } }) => ({
    ...result,
    ...(result.output !== undefined && { output: scrubHidden(result.output, hidden) }),
    ...(result.error !== undefined && { error: scrubHidden(result.error, hidden) }),
    durationMs: Math.round(performance.now() - started),
  });
  const definition = k.registry.get(input.type);
  if (!definition) return done({ success: false, ports: [], error: `unknown step type "${input.type}"` });
  const parsed = definition.configSchema.safeParse(given);
  if (!parsed.success) {
    const error = parsed.error.issues
      .map((issue) => `${['config', ...issue.path.map(String)].join('.')}: ${issue.message}`)
      .join('; ');
    return done({ success: false, ports: [], error });
  }
  const now = k.now();
  const sample = input.data ?? {};
  const trigger = { type: 'manual', payload: {}, ...((sample.trigger as object | undefined) ?? {}) };
  const data: Record<string, unknown> = {
    ...sample,
    trigger,
    system: sample.system ?? systemContext(now, k.settings.timezone),
    vars: sample.vars ?? {},
    steps: sample.steps ?? {},
  };
  const controller = new AbortController();
  try {
    const config = renderStepConfig(
      parsed.data as Record<string, unknown>,
      data,
      contextVariables(data, undefined),
      unrenderedFields(definition),
    );
    let result: StepResult;
    if (definition.run) {
      const context: StepContext<unknown> = {
        config,
        data,
        step: { key: 'test', type: input.type, label: definition.title },
        execution: { id: 'test', flowId: '', flowName: '', depth: 0 },
        signal: controller.signal,
        services: dryRunServices(k),
        // Sample data may say what the previous step output (`last`), as the script step reads it.
        ...(sample.last !== undefined && { last: sample.last }),
        now: () => k.now(),
      };
      result = await invokeStep(
        definition,
        context,
        () => controller,
        input.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS,
      );
    } else if (definition.category === 'trigger') {
      result = { output: trigger.payload as Record<string, unknown> };
    } else {
      return done({ success: false, ports: [], error: `step type "${input.type}" cannot run yet` });
    }
    if (result.wait)
      return done({ success: true, output: result.output ?? {}, ports: [], wait: result.wait });
    return done({ success: true, output: result.output ?? {}, ports: result.ports ?? ['main'] });
  } catch (error) {
    return done({ success: false, ports: [], error: errorMessage(error) });
  }
}

function dryRunServices(k: Pick<Kernel, 'settings' | 'catalog'>): EngineServices {
  const written = new Map<string, unknown>();
  return {
    ...k.settings.services,
    dryRun: true,
    variables: {
      get: (scope, key) =>
        written.has(`${scope}:${key}`)
          ? written.get(`${scope}:${key}`)
          : k.catalog.variable(scope === 'global' ? 'global' : '', key),
      set: (scope, key, value) => void written.set(`${scope}:${key}`, value),
      list: (scope) =>
        visibleVariables([
          ...k.catalog.variables(scope === 'global' ? 'global' : ''),
          ...[...written]
            .filter(([id]) => id.startsWith(`${scope}:`))
            .map(([id, value]) => ({ key: id.slice(scope.length + 1), value })),
        ]),
    },
    alerts: { raise: ({ nodeId }) => ({ id: null, nodeId: nodeId ?? null }) },
    cooldown: { tryPass: () => ({ passed: true, nextAllowedAt: null }) },
    flows: {
      start: () => Promise.resolve({ executionId: 'dry-run', status: 'not_started' }),
      childResult: () => undefined,
    },
    limits: { maxSleepMs: k.settings.maxSleepMs },
    sleep: abortableSleep,
  };
}
