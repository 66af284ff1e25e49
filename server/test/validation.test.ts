import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_FLOW, REPLACE_EDGES, SAVE_STEPS, sampleGraph } from './fixtures.js';
import { startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let flowId: string;

/** A snapshot of everything a bad save could have touched. */
async function snapshot() {
  const result = await server.gql(
    `{ flows(first: 100) { totalCount edges { node { name version steps { key type config } edges { source sourcePort target } } } } }`,
  );
  return result.data.flows;
}

beforeAll(async () => {
  server = await startTestServer();
  const created = await server.gql(CREATE_FLOW, { input: { name: 'Existing', ...sampleGraph() } });
  flowId = created.data.createFlow.data.id;
});
afterAll(() => server.stop());

type Step = { key: string; type: string; config?: Record<string, unknown> };
type Edge = { source: string; sourcePort?: string; target: string };

const cases: Array<{
  name: string;
  steps: Step[];
  edges: Edge[];
  code: string;
  stepKey?: string;
  field: string | RegExp;
  message?: RegExp;
}> = [
  {
    name: 'unknown step type',
    steps: [
      { key: 'start', type: 'manual' },
      { key: 'x', type: 'tresh_old' },
    ],
    edges: [],
    code: 'UNKNOWN_STEP_TYPE',
    stepKey: 'x',
    field: 'type',
  },
  {
    name: 'config that does not match its schema',
    steps: [
      { key: 'start', type: 'manual' },
      { key: 'hot', type: 'threshold', config: { operator: '~', value: 'warm' } },
    ],
    edges: [],
    code: 'INVALID_CONFIG',
    stepKey: 'hot',
    field: /^config\.(operator|value)$/,
  },
  {
    name: 'config that fails the type’s own check (bad cron)',
    steps: [{ key: 'tick', type: 'schedule', config: { cron: 'every tuesday', timezone: 'UTC' } }],
    edges: [],
    code: 'INVALID_CONFIG',
    stepKey: 'tick',
    field: 'config.cron',
  },
  {
    name: 'duplicate step keys',
    steps: [
      { key: 'start', type: 'manual' },
      { key: 'start', type: 'log', config: { message: 'x' } },
    ],
    edges: [],
    code: 'DUPLICATE_KEY',
    stepKey: 'start',
    field: 'key',
  },
  {
    name: 'an edge from a port the source type does not declare',
    steps: [
      { key: 'start', type: 'manual' },
      { key: 'note', type: 'log', config: { message: 'x' } },
    ],
    edges: [{ source: 'start', sourcePort: 'true', target: 'note' }],
    code: 'UNKNOWN_PORT',
    stepKey: 'start',
    field: 'edges[0].sourcePort',
  },
  {
    name: 'an edge into a trigger',
    steps: [
      { key: 'start', type: 'manual' },
      { key: 'note', type: 'log', config: { message: 'x' } },
      { key: 'other', type: 'manual' },
    ],
    edges: [{ source: 'note', target: 'other' }],
    code: 'EDGE_INTO_TRIGGER',
    stepKey: 'note',
    field: 'edges[0].target',
  },
  {
    name: 'an edge to an unknown step',
    steps: [{ key: 'start', type: 'manual' }],
    edges: [{ source: 'start', target: 'nowhere' }],
    code: 'UNKNOWN_STEP',
    stepKey: 'start',
    field: 'edges[0].target',
  },
  {
    name: 'a cycle',
    steps: [
      { key: 'start', type: 'manual' },
      { key: 'a', type: 'log', config: { message: 'a' } },
      { key: 'b', type: 'log', config: { message: 'b' } },
    ],
    edges: [
      { source: 'start', target: 'a' },
      { source: 'a', target: 'b' },
      { source: 'b', target: 'a' },
    ],
    code: 'CYCLE',
    field: 'edges',
  },
  {
    name: 'a template naming a step that does not run before it',
    steps: [
      { key: 'start', type: 'manual' },
      { key: 'scene_1', type: 'log', config: { message: 'looked' } },
      { key: 'tell', type: 'log', config: { message: 'saw {{ steps.scene_2.output.message }}' } },
    ],
    edges: [
      { source: 'start', target: 'scene_1' },
      { source: 'scene_1', target: 'tell' },
    ],
    code: 'INVALID_EXPRESSION',
    stepKey: 'tell',
    field: 'config.message',
    message: /did you mean steps\.scene_1\.output/,
  },
  {
    name: 'a condition that does not parse',
    steps: [
      { key: 'start', type: 'manual' },
      { key: 'hot', type: 'condition', config: { expression: 'trigger.payload.value >' } },
    ],
    edges: [{ source: 'start', target: 'hot' }],
    code: 'INVALID_EXPRESSION',
    stepKey: 'hot',
    field: 'config.expression',
    message: /at column \d+/,
  },
  {
    name: 'an unknown function',
    steps: [
      { key: 'start', type: 'manual' },
      { key: 'hot', type: 'condition', config: { expression: "icontain(trigger.payload.room, 'bath')" } },
    ],
    edges: [{ source: 'start', target: 'hot' }],
    code: 'INVALID_EXPRESSION',
    stepKey: 'hot',
    field: 'config.expression',
    message: /did you mean icontains\(\)/,
  },
];

describe('validation at save time: a typed error naming step and field, and nothing written', () => {
  for (const example of cases) {
    it(`createFlow refuses ${example.name}`, async () => {
      const before = await snapshot();
      const result = await server.gql(CREATE_FLOW, {
        input: { name: `Bad: ${example.name}`, steps: example.steps, edges: example.edges },
      });
      const payload = result.data.createFlow;
      expect(payload.__typename).toBe('FlowValidationError');
      expect(payload.code).toBe('FLOW_INVALID');
      const issue = payload.issues.find((candidate: { code: string }) => candidate.code === example.code);
      expect(issue, JSON.stringify(payload.issues)).toBeDefined();
      if (example.stepKey) expect(issue.stepKey).toBe(example.stepKey);
      expect(issue.field).toMatch(example.field);
      expect(issue.message.length).toBeGreaterThan(10);
      if (example.message) expect(issue.message).toMatch(example.message);
      expect(await snapshot()).toEqual(before);
    });
  }

  it('saveFlowSteps refuses an invalid step and leaves the flow and its version alone', async () => {
    const before = await snapshot();
    const result = await server.gql(SAVE_STEPS, {
      flowId,
      expectedVersion: 1,
      steps: [
        { key: 'extra', type: 'log', config: { message: 'fine' } },
        { key: 'hot', type: 'threshold', config: { operator: '>' } },
      ],
    });
    expect(result.data.saveFlowSteps.__typename).toBe('FlowValidationError');
    expect(result.data.saveFlowSteps.issues[0]).toMatchObject({
      code: 'INVALID_CONFIG',
      stepKey: 'hot',
      field: 'config.value',
    });
    expect(await snapshot()).toEqual(before);
  });

  it('replaceFlowEdges refuses a cycle, an unknown port and an edge into a trigger all at once', async () => {
    const before = await snapshot();
    const result = await server.gql(REPLACE_EDGES, {
      flowId,
      expectedVersion: 1,
      edges: [
        { source: 'start', sourcePort: 'nope', target: 'hot' },
        { source: 'warn', target: 'start' },
        { source: 'hot', sourcePort: 'true', target: 'warn' },
        { source: 'warn', target: 'hot' },
      ],
    });
    const codes = result.data.replaceFlowEdges.issues.map((issue: { code: string }) => issue.code);
    expect(codes).toEqual(expect.arrayContaining(['UNKNOWN_PORT', 'EDGE_INTO_TRIGGER', 'CYCLE']));
    expect(await snapshot()).toEqual(before);
  });

  it('rejects out-of-range settings as InvalidInputError naming the field', async () => {
    const before = await snapshot();
    const result = await server.gql(CREATE_FLOW, { input: { name: 'Bad settings', maxExecutions: 0 } });
    expect(result.data.createFlow).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT' });
    expect(result.data.createFlow.issues[0].field).toContain('maxExecutions');
    expect(await snapshot()).toEqual(before);
  });

  it('suggests the step type meant', async () => {
    const result = await server.gql(CREATE_FLOW, {
      input: { name: 'Typo', steps: [{ key: 'a', type: 'treshold', config: {} }] },
    });
    expect(result.data.createFlow.issues[0].message).toContain('did you mean "threshold"');
  });
});
