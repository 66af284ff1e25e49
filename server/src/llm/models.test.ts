import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/index.js';
import { retryAfterMs } from './chat.js';
import { parseLlmModels } from './models.js';

describe('the model registry (KINFLOW_LLM_MODELS)', () => {
  it('reads inline JSON with defaults', () => {
    const models = parseLlmModels(
      '{"gemma": {"baseUrl": "http://192.168.1.20:8000/v1/", "model": "google/gemma-3"}}',
    );
    expect(models.get('gemma')).toEqual({
      name: 'gemma',
      baseUrl: 'http://192.168.1.20:8000/v1',
      model: 'google/gemma-3',
      capabilities: [],
      timeoutMs: 60_000,
      maxRetries: 2,
    });
  });

  it('reads a YAML file and takes the key from another variable', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-llm-'));
    const file = path.join(dir, 'models.yaml');
    fs.writeFileSync(
      file,
      [
        'openai:',
        '  baseUrl: https://api.openai.com/v1',
        '  model: gpt-4o-mini',
        '  apiKeyEnv: OPENAI_API_KEY',
        '  capabilities: [json_schema, vision]',
        '  timeoutSeconds: 30',
      ].join('\n'),
    );
    const models = parseLlmModels(file, { OPENAI_API_KEY: 'sk-from-env' });
    expect(models.get('openai')).toMatchObject({
      apiKey: 'sk-from-env',
      capabilities: ['json_schema', 'vision'],
      timeoutMs: 30_000,
    });
    expect(() => parseLlmModels(file, {})).toThrow(/OPENAI_API_KEY is empty/);
  });

  it('names the entry and field that is wrong', () => {
    expect(() => parseLlmModels('{"a": {"baseUrl": "ftp://x", "model": "m"}}')).toThrow(/model "a".baseUrl/);
    expect(() => parseLlmModels('{"a": {"baseUrl": "https://x", "model": "m", "extra": 1}}')).toThrow(
      /model "a"/,
    );
    expect(() => parseLlmModels('{"a b": {"baseUrl": "https://x", "model": "m"}}')).toThrow(
      /model name "a b"/,
    );
    expect(() => parseLlmModels('/no/such/models.yaml')).toThrow(/cannot read the model registry/);
    expect(() => loadConfig({ KINFLOW_LLM_MODELS: '{"a": 1}' })).toThrow(ConfigError);
    expect(() => loadConfig({ KINFLOW_LLM_MODELS: '{"a": 1}' })).toThrow(/^KINFLOW_LLM_MODELS: model "a"/);
    expect(loadConfig({}).llmModels.size).toBe(0);
  });
});

describe('Home Assistant settings', () => {
  it('wants URL and token together, and a plain http(s) base URL', () => {
    expect(loadConfig({}).homeAssistant).toBeUndefined();
    expect(
      loadConfig({ KINFLOW_HOME_ASSISTANT_URL: 'http://ha.lan:8123/', KINFLOW_HOME_ASSISTANT_TOKEN: 't' })
        .homeAssistant,
    ).toEqual({ url: 'http://ha.lan:8123', token: 't' });
    expect(() => loadConfig({ KINFLOW_HOME_ASSISTANT_URL: 'http://ha.lan:8123' })).toThrow(
      /must be given together/,
    );
    expect(() =>
      loadConfig({ KINFLOW_HOME_ASSISTANT_URL: 'mqtt://ha.lan', KINFLOW_HOME_ASSISTANT_TOKEN: 't' }),
    ).toThrow(/http\(s\) URL/);
  });
});

describe('Retry-After', () => {
  it('takes seconds, an HTTP date or retry-after-ms', () => {
    const now = Date.parse('2026-12-02T08:00:00Z');
    expect(retryAfterMs({ 'retry-after': '3' }, now)).toBe(3000);
    expect(retryAfterMs({ 'retry-after': 'Wed, 02 Dec 2026 08:00:10 GMT' }, now)).toBe(10_000);
    expect(retryAfterMs({ 'retry-after-ms': '250', 'retry-after': '1' }, now)).toBe(250);
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterMs({}, now)).toBeUndefined();
  });
});
