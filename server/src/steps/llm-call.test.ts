import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outputOf, runChain } from '../actions/test-support.js';
import { createActionServices } from '../actions/create.js';
import { SecretBox } from '../crypto/secret-box.js';
import { harness, testRegistry, timeline, type Harness } from '../engine/test-fixtures.js';
import { FlowValidationError } from '../flows/errors.js';
import { FlowService } from '../flows/service.js';
import { parseLlmModels, type LlmModelRegistry } from '../llm/index.js';
import { parseOutboundAllowlist } from '../net/index.js';
import { startOpenAiTestServer, type OpenAiTestServer } from '../../test/support/openai-server.js';
import { StepTypeRegistry } from './registry.js';

const KEY = 'sk-test-secret-key';
let ai: OpenAiTestServer;
let h: Harness;

async function start(options: { allow?: string; model?: Record<string, unknown> } = {}) {
  const models = parseLlmModels(
    JSON.stringify({
      gemma: { baseUrl: ai.baseUrl, model: 'google/gemma-3', apiKey: KEY, maxRetries: 2, ...options.model },
      strict: { baseUrl: ai.baseUrl, model: 'gpt-4o', apiKey: KEY, capabilities: ['json_schema'] },
    }),
  );
  const settings = { llmModels: models };
  h = await harness({
    settings,
    services: (orm, registry) => ({
      ...createActionServices({
        orm,
        registry,
        secrets: new SecretBox(randomBytes(32)),
        config: { outbound: parseOutboundAllowlist(options.allow ?? '127.0.0.1') },
      }),
      settings,
    }),
  });
}

const ask = (config: Record<string, unknown>, payload: Record<string, unknown> = {}) =>
  runChain(h, `llm ${Math.random()}`, [{ key: 'ask', type: 'llm_call', config }], payload);

const decision = {
  type: 'object',
  properties: {
    is_notification_needed: { type: 'boolean' },
    user_notification: { type: 'string' },
    reasoning: { type: 'string' },
  },
  required: ['is_notification_needed', 'user_notification', 'reasoning'],
};

beforeEach(async () => {
  ai = await startOpenAiTestServer(KEY);
});
afterEach(async () => {
  await h?.close();
  await ai.close();
});

describe('llm_call against an OpenAI-compatible server', () => {
  it('stores valid JSON under outputKey and applies the is_notification_needed rule', async () => {
    await start();
    ai.script({
      content: '{"is_notification_needed": false, "user_notification": "", "reasoning": "she is fine"}',
    });
    const { run } = await ask(
      {
        model: 'gemma',
        prompt: 'Should {{ trigger.payload.who }} be alerted?',
        specialInstructions: 'You are a careful assistant.',
        includeContext: ['vision_response'],
        responseFormat: 'json_schema',
        responseSchema: decision,
        outputKey: 'logic_response',
      },
      { who: 'the caregiver', vision_response: 'A person is sitting at the table' },
    );
    expect(run.status).toBe('completed');
    expect(run.data.logic_response).toEqual({
      is_notification_needed: false,
      user_notification: '',
      reasoning: 'she is fine',
    });
    expect(run.data.notification_suppressed).toBe(true);
    expect(outputOf(run, 'ask').llm).toMatchObject({ model: 'gemma', requests: 1, rejected: [] });

    const [request] = ai.requests;
    expect(request!.authorization).toBe(`Bearer ${KEY}`);
    expect(request!.body.model).toBe('google/gemma-3');
    const content = request!.body.messages[0]!.content;
    // Instructions, context, the rendered prompt, then the schema (this model cannot enforce it).
    expect(content.indexOf('You are a careful assistant.')).toBe(0);
    expect(content).toContain('Context:\nvision_response: A person is sitting at the table');
    expect(content).toContain('Should the caregiver be alerted?');
    expect(content).toContain('"required":["is_notification_needed","user_notification","reasoning"]');
    expect(request!.body.response_format).toBeUndefined();
    // The key is for the request header only: never in the run, its timeline or its events.
    const stored = JSON.stringify([run, await timeline(h, run.id), h.events]);
    expect(stored).not.toContain(KEY);
  });

  it('sends the schema as response_format to a model that enforces it, and validates anyway', async () => {
    await start();
    ai.script(
      { content: '{"is_notification_needed": true}' },
      { content: '{"is_notification_needed": true, "user_notification": "Stove on", "reasoning": "pan"}' },
    );
    const { run } = await ask({
      model: 'strict',
      prompt: 'Decide',
      responseFormat: 'json_schema',
      responseSchema: decision,
      outputKey: 'logic_response',
    });
    expect(ai.requests[0]!.body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'response', schema: decision },
    });
    expect(run.status).toBe('completed');
    expect(run.data.logic_response).toMatchObject({ user_notification: 'Stove on' });
    expect(run.data.notification_suppressed).toBeUndefined();
    const { rejected } = outputOf(run, 'ask').llm as { rejected: string[] };
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatch(/does not match the schema.*user_notification/);
  });

  it('asks again after invalid JSON, telling the model what was wrong', async () => {
    await start();
    ai.script({ content: 'Sure! Here is the JSON: {oops' }, { content: '```json\n{"answer": 42}\n```' });
    const { run } = await ask({ model: 'gemma', prompt: 'Give me JSON', responseFormat: 'json_free' });
    expect(run.status).toBe('completed');
    expect(run.data.llm_response).toEqual({ answer: 42 });
    expect(ai.requests).toHaveLength(2);
    const second = ai.requests[1]!.body.messages;
    expect(second.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(second[1]!.content).toBe('Sure! Here is the JSON: {oops');
    expect(second[2]!.content).toMatch(/not valid JSON/);
  });

  it('retries when the hallucination marker appears, and fails once the retries are spent', async () => {
    await start({ model: { maxRetries: 1 } });
    ai.script({ content: 'வணக்கம் சென்னை' }, { content: 'வணக்கம்' });
    const { run } = await ask({
      model: 'gemma',
      prompt: 'Translate: hello',
      outputKey: 'translation',
      hallucinationMarker: 'சென்னை',
    });
    expect(run.status).toBe('completed');
    expect(run.data.translation).toBe('வணக்கம்');

    ai.script({ content: 'சென்னை 1' }, { content: 'சென்னை 2' }, { content: 'never asked' });
    const failed = await ask({ model: 'gemma', prompt: 'Translate', hallucinationMarker: 'சென்னை' });
    expect(failed.run.status).toBe('failed');
    expect(failed.run.error).toMatchObject({ code: 'llm_invalid_response' });
    expect(failed.run.error?.message).toMatch(/2 attempts.*contains "சென்னை"/);
    expect(ai.requests).toHaveLength(4);
  });

  it('fails with llm_timeout when the model does not answer within its time limit', async () => {
    await start({ model: { timeoutSeconds: 0.2 } });
    ai.script({ content: 'too late', delayMs: 10_000 });
    const { run } = await ask({ model: 'gemma', prompt: 'Hello' });
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'llm_timeout' });
    expect(ai.requests).toHaveLength(1);
  });

  it('fails with llm_refused on a refusal, without asking again', async () => {
    await start();
    ai.script({ refusal: 'I cannot help with that.' }, { content: 'never asked' });
    const { run } = await ask({ model: 'strict', prompt: 'Something bad', responseFormat: 'json_free' });
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'llm_refused' });
    expect(run.error?.message).toMatch(/I cannot help with that/);
    expect(ai.requests).toHaveLength(1);
  });

  it('waits out a 429 with Retry-After when it fits before the deadline', async () => {
    await start();
    ai.script(
      { status: 429, headers: { 'retry-after': '1' }, body: { error: { message: 'Rate limit reached' } } },
      { content: 'fine now' },
    );
    const { run } = await ask({ model: 'gemma', prompt: 'Hello', timeoutSeconds: 30 });
    expect(run.status).toBe('completed');
    expect(run.data.llm_response).toBe('fine now');
    expect(outputOf(run, 'ask').llm).toMatchObject({ requests: 2, rejected: [] });
  });

  it('gives up at once on a Retry-After beyond the step’s deadline', async () => {
    await start();
    ai.script({ status: 429, headers: { 'retry-after': '600' }, body: {} }, { content: 'never asked' });
    const { run } = await ask({ model: 'gemma', prompt: 'Hello', timeoutSeconds: 5 });
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'llm_rate_limited' });
    expect(run.error?.message).toMatch(/retry in 600 s, after the step’s deadline/);
    expect(ai.requests).toHaveLength(1);
  });

  it('keeps the key out of errors even when the server echoes it', async () => {
    await start();
    ai.script({ status: 400, body: { error: { message: `bad request for key ${KEY}` } } });
    const { run } = await ask({ model: 'gemma', prompt: 'Hello' });
    expect(run.error).toMatchObject({ code: 'llm_http_error' });
    expect(run.error?.message).toMatch(/answered 400: bad request for key \*\*\*/);
    expect(JSON.stringify(run)).not.toContain(KEY);
  });

  it('asks the model for real in testStep, so a prompt can be tried before saving', async () => {
    await start();
    ai.script({ content: '{"ok": true}' });
    const result = await h.engine.testStep({
      type: 'llm_call',
      config: { model: 'gemma', prompt: 'Try {{ x }}', responseFormat: 'json_free' },
      data: { x: 'this' },
    });
    expect(result).toMatchObject({ success: true, output: { llm_response: { ok: true } } });
    expect(ai.requests[0]!.body.messages[0]!.content).toMatch(/^Try this/);
  });

  it('a judgement that no notification is needed keeps the next notification step silent', async () => {
    await start();
    const judge = {
      key: 'ask',
      type: 'llm_call',
      config: { model: 'gemma', prompt: 'Alert?', responseFormat: 'json_free', outputKey: 'logic_response' },
    };
    const notify = (honourSuppression: boolean) => ({
      key: 'notify',
      type: 'notification',
      config: { message: 'Check on her', channels: [{ type: 'in_app' }], honourSuppression },
    });
    const quiet = '{"is_notification_needed": false, "user_notification": "", "reasoning": "fine"}';
    ai.script({ content: quiet }, { content: quiet });

    const silent = (await runChain(h, 'suppressed', [judge, notify(true)])).run;
    expect(outputOf(silent, 'notify')).toMatchObject({
      notification_dispatched: false,
      notification_channels: [{ channel: 'in_app', delivered: false, reason: 'suppressed' }],
    });
    const told = (await runChain(h, 'not suppressed', [judge, notify(false)])).run;
    expect(outputOf(told, 'notify')).toMatchObject({
      notification_dispatched: true,
      notification_channels: [{ channel: 'in_app', delivered: true }],
    });
  });

  it('follows the outbound policy: a model server on a private address must be allow-listed', async () => {
    await start({ allow: '' });
    ai.script({ content: 'never asked' });
    const { run } = await ask({ model: 'gemma', prompt: 'Hello' });
    expect(run.status).toBe('failed');
    expect(run.error?.message).toMatch(/KINFLOW_OUTBOUND_ALLOW/);
    expect(ai.requests).toHaveLength(0);
  });
});

describe('llm_call at save time', () => {
  const flow = (config: Record<string, unknown>) => ({
    steps: [
      { key: 'start', type: 'manual', config: {} },
      { key: 'ask', type: 'llm_call', config },
    ],
    edges: [{ source: 'start', sourcePort: 'main', target: 'ask' }],
  });

  async function issuesOf(models: LlmModelRegistry, config: Record<string, unknown>) {
    const base = await testRegistry();
    const flows = new FlowService(new StepTypeRegistry(base.list(), { llmModels: models }));
    h = await harness();
    try {
      await flows.create(h.em(), { name: `f ${Math.random()}` }, flow(config));
      return [];
    } catch (error) {
      if (error instanceof FlowValidationError) return error.issues;
      throw error;
    }
  }

  it('names an unknown model in a typed issue, with a suggestion', async () => {
    const models = parseLlmModels(
      JSON.stringify({ gemma: { baseUrl: 'https://llm.example/v1', model: 'g' } }),
    );
    expect(await issuesOf(models, { model: 'gemmma', prompt: 'Hi' })).toEqual([
      expect.objectContaining({
        code: 'invalid_config',
        stepKey: 'ask',
        field: 'config.model',
        message: expect.stringMatching(
          /unknown model "gemmma" \(did you mean "gemma"\?\); configured: gemma/,
        ),
      }),
    ]);
    expect(await issuesOf(models, { model: 'gemma', prompt: 'Hi', responseFormat: 'json_schema' })).toEqual([
      expect.objectContaining({ field: 'config.responseSchema' }),
    ]);
    expect(await issuesOf(models, { model: 'gemma', prompt: 'Hi' })).toEqual([]);
  });

  it('is not_configured and hidden from the palette without a model registry', async () => {
    expect(await issuesOf(new Map(), { model: 'gemma', prompt: 'Hi' })).toEqual([
      expect.objectContaining({
        code: 'not_configured',
        field: 'type',
        message: expect.stringMatching(/KINFLOW_LLM_MODELS/),
      }),
    ]);
    const base = await testRegistry();
    const types = (models: LlmModelRegistry) =>
      new StepTypeRegistry(base.list(), { llmModels: models }).available().map((type) => type.type);
    expect(types(new Map())).not.toContain('llm_call');
    const one = parseLlmModels(JSON.stringify({ a: { baseUrl: 'https://llm.example/v1', model: 'a' } }));
    expect(types(one)).toContain('llm_call');
  });
});
