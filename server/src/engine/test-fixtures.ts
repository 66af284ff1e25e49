// Shared by the engine's tests: a real SQLite database, the real step types plus a few test-only ones.
import { z } from 'zod';
import type { EntityManager } from '@mikro-orm/better-sqlite';
import { openDatabase, type Orm } from '../db/orm.js';
import { FlowService, type FlowSettingsInput, type StepInput } from '../flows/service.js';
import { discoverStepTypes, StepTypeRegistry } from '../steps/registry.js';
import { defineStepType, type StepSettings, type StepTypeDefinition } from '../steps/step-type.js';
import { FlowEngine } from './engine.js';
import { abortableSleep } from './services.js';
import type { EngineOptions, PipelineExecutionEvent } from './types.js';

/** How often each `test_flaky` key has been attempted. */
export const attempts = new Map<string, number>();
/** Durations of `test_slow` sleeps that ran to their end. */
export const sleepsDone: number[] = [];
/** Open gates `test_gate` steps wait on, by name. */
export const gates = new Map<string, { promise: Promise<void>; open: () => void }>();

export function gate(name: string) {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  const entry = { promise, open };
  gates.set(name, entry);
  return entry;
}

/** Stands in for interactive_prompt: waits for an answer event, escalates on timeout (004's example). */
const ask = defineStepType({
  type: 'test_ask',
  category: 'care',
  title: 'Ask (test)',
  description: 'Waits for an answer event or a timeout.',
  configSchema: z.object({ timeoutMs: z.number().default(60_000) }).strict(),
  ports: ['escalate', 'dismiss', 'answered', 'timeout'].map((name) => ({ name, label: name })),
  writes: () => ['interactive_response', 'auto_escalate_triggered'],
  run: ({ config, resume, now }) => {
    if (!resume)
      return { wait: { until: new Date(now().getTime() + config.timeoutMs), for: { kind: 'answer' } } };
    if (resume.reason === 'event') {
      const action = String(resume.event?.action ?? 'dismiss');
      return {
        output: {
          interactive_response: { action, channel: 'test' },
          auto_escalate_triggered: action === 'escalate',
        },
        ports: [action, 'answered'],
      };
    }
    return {
      output: {
        interactive_response: { action: 'escalate', channel: 'timeout' },
        auto_escalate_triggered: true,
      },
      ports: ['escalate', 'timeout'],
    };
  },
});

const flaky = defineStepType({
  type: 'test_flaky',
  category: 'action',
  title: 'Flaky (test)',
  description: 'Fails its first failTimes attempts.',
  configSchema: z.object({ key: z.string(), failTimes: z.number() }).strict(),
  ports: [{ name: 'main', label: 'Next' }],
  run: ({ config }) => {
    const count = (attempts.get(config.key) ?? 0) + 1;
    attempts.set(config.key, count);
    if (count <= config.failTimes) throw new Error(`attempt ${count} failed`);
    return { output: { attempt: count } };
  },
});

const slow = defineStepType({
  type: 'test_slow',
  category: 'action',
  title: 'Slow (test)',
  description: 'Sleeps, honouring the abort signal unless told not to.',
  configSchema: z.object({ ms: z.number(), ignoreAbort: z.boolean().default(false) }).strict(),
  ports: [{ name: 'main', label: 'Next' }],
  run: async ({ config, signal }) => {
    if (config.ignoreAbort) await new Promise((resolve) => setTimeout(resolve, config.ms));
    else await abortableSleep(config.ms, signal);
    sleepsDone.push(config.ms);
    return { output: { slept: config.ms } };
  },
});

const gated = defineStepType({
  type: 'test_gate',
  category: 'action',
  title: 'Gate (test)',
  description: 'Waits until the named gate opens.',
  configSchema: z.object({ name: z.string() }).strict(),
  ports: [{ name: 'main', label: 'Next' }],
  run: async ({ config, signal }) => {
    const entry = gates.get(config.name);
    if (entry) {
      await new Promise<void>((resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        void entry.promise.then(resolve);
      });
    }
    return { output: { passed: config.name } };
  },
});

const big = defineStepType({
  type: 'test_big',
  category: 'action',
  title: 'Big output (test)',
  description: 'Returns a large output.',
  configSchema: z.object({ chars: z.number() }).strict(),
  ports: [{ name: 'main', label: 'Next' }],
  run: ({ config }) => ({ output: { text: 'x'.repeat(config.chars) } }),
});

/** The manual trigger most test flows start with. */
export const manual = { key: 'start', type: 'manual', config: {} };

/** `[source, target, port?]`; the port defaults to `main`. */
export type EdgeTuple = [source: string, target: string, sourcePort?: string];

export function edgeInputs(edges: EdgeTuple[]) {
  return edges.map(([source, target, sourcePort]) => ({ source, target, sourcePort: sourcePort ?? 'main' }));
}

export const TEST_STEP_TYPES = [ask, flaky, slow, gated, big] as StepTypeDefinition[];

export interface Harness {
  orm: Orm;
  registry: StepTypeRegistry;
  engine: FlowEngine;
  events: PipelineExecutionEvent[];
  delays: number[];
  em(): EntityManager;
  createFlow(
    name: string,
    steps: StepInput[],
    edges: EdgeTuple[],
    settings?: Omit<FlowSettingsInput, 'name'>,
  ): Promise<string>;
  newEngine(options?: Partial<EngineOptions>): FlowEngine;
  close(): Promise<void>;
}

let registryPromise: Promise<StepTypeRegistry> | undefined;

export function testRegistry(): Promise<StepTypeRegistry> {
  registryPromise ??= discoverStepTypes().then(
    (registry) => new StepTypeRegistry([...registry.list(), ...TEST_STEP_TYPES]),
  );
  return registryPromise;
}

/**
 * An engine on a fresh database (':memory:' unless a file is given). Retries sleep for no time and
 * record their delays in `delays`; every published event lands in `events`.
 */
export async function harness(
  options: {
    file?: string;
    engine?: Partial<EngineOptions>;
    /** Extra step services that need the harness's database (e.g. createActionServices). */
    services?: (orm: Orm, registry: StepTypeRegistry) => Record<string, unknown>;
    /** Server settings step types check against (the LLM model registry, Home Assistant). */
    settings?: StepSettings;
  } = {},
): Promise<Harness> {
  const orm = await openDatabase(options.file ?? ':memory:');
  const base = await testRegistry();
  const registry = options.settings ? new StepTypeRegistry(base.list(), options.settings) : base;
  const services = options.services?.(orm, registry);
  const flows = new FlowService(registry);
  const events: PipelineExecutionEvent[] = [];
  const delays: number[] = [];
  const newEngine = (overrides: Partial<EngineOptions> = {}) => {
    const engine = new FlowEngine({
      orm,
      registry,
      timezone: 'Europe/Berlin',
      delay: (ms) => {
        delays.push(ms);
        return Promise.resolve();
      },
      logger: () => {},
      ...(services && { services }),
      ...options.engine,
      ...overrides,
    });
    engine.events.subscribe((event) => events.push(event));
    return engine;
  };
  const engine = newEngine();
  return {
    orm,
    registry,
    engine,
    events,
    delays,
    em: () => orm.em.fork(),
    newEngine,
    async createFlow(name, steps, edges, settings = {}) {
      const flow = await flows.create(
        orm.em.fork(),
        { name, ...settings },
        {
          steps,
          edges: edgeInputs(edges),
        },
      );
      return flow.id;
    },
    async close() {
      await engine.stop();
      await orm.close();
    },
  };
}

/** Rows of the run's timeline, oldest first. */
export async function timeline(h: Harness, executionId: string) {
  const rows = await h.orm.em.getConnection().execute(
    `select step_key, status, attempt, ports, error, output, elapsed_ms from flow_execution_steps
        where execution_id = ? order by started_at, rowid`,
    [executionId],
  );
  return (rows as Array<Record<string, unknown>>).map((row) => ({
    key: row.step_key as string,
    status: row.status as string,
    attempt: row.attempt as number,
    ports: JSON.parse(row.ports as string) as string[],
    error: row.error as string | null,
    output: row.output === null ? null : (JSON.parse(row.output as string) as Record<string, unknown>),
  }));
}
