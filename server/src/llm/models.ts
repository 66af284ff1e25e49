import fs from 'node:fs';
import path from 'node:path';
import { loadYaml } from '../config/yaml.js';
import { z } from 'zod';

export const LLM_CAPABILITIES = ['json_schema', 'json_object', 'vision'] as const;
export type LlmCapability = (typeof LLM_CAPABILITIES)[number];

/** One entry of the model registry (KINFLOW_LLM_MODELS). The API key never leaves this object. */
export interface LlmModel {
  name: string;
  /** OpenAI-compatible base URL, e.g. https://api.openai.com/v1 or http://192.168.1.20:8000/v1. */
  baseUrl: string;
  /** The model id the server expects in `model`. */
  model: string;
  apiKey?: string;
  capabilities: LlmCapability[];
  /** Time limit of one request. */
  timeoutMs: number;
  /** Extra attempts after an invalid answer (bad JSON, schema mismatch, hallucination marker). */
  maxRetries: number;
  temperature?: number;
  maxTokens?: number;
}

/** The configured models by name; empty when KINFLOW_LLM_MODELS is unset. */
export type LlmModelRegistry = ReadonlyMap<string, LlmModel>;

const entrySchema = z
  .object({
    baseUrl: z.url({ protocol: /^https?$/ }),
    model: z.string().min(1),
    apiKey: z.string().min(1).optional(),
    /** The name of an environment variable holding the key, so the registry file can be shared. */
    apiKeyEnv: z.string().min(1).optional(),
    capabilities: z.array(z.enum(LLM_CAPABILITIES)).default([]),
    timeoutSeconds: z.number().positive().max(600).default(60),
    maxRetries: z.number().int().min(0).max(5).default(2),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().positive().optional(),
  })
  .strict()
  .refine((entry) => !(entry.apiKey && entry.apiKeyEnv), { message: 'give apiKey or apiKeyEnv, not both' });

const MODEL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export class LlmModelsError extends Error {
  override name = 'LlmModelsError';
}

/**
 * Reads the model registry: inline JSON (`{"gemma": {...}}`) or the path of a YAML/JSON file with the
 * same shape. Keys are model names used by `llm_call.model`. Fails with a message naming the entry.
 */
export function parseLlmModels(
  raw: string | undefined,
  env: Record<string, string | undefined> = process.env,
): LlmModelRegistry {
  const models = new Map<string, LlmModel>();
  if (raw === undefined || raw.trim() === '') return models;
  let document: unknown;
  const text = raw.trim();
  try {
    document = text.startsWith('{')
      ? JSON.parse(text)
      : loadYaml().parse(fs.readFileSync(path.resolve(text), 'utf8'));
  } catch (error) {
    throw new LlmModelsError(`cannot read the model registry: ${(error as Error).message}`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new LlmModelsError('the model registry must map model names to { baseUrl, model, … }');
  }
  for (const [name, value] of Object.entries(document)) {
    if (!MODEL_NAME.test(name)) {
      throw new LlmModelsError(`model name "${name}" must be 1–64 letters, digits, _, . or -`);
    }
    const parsed = entrySchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.length ? `.${issue.path.join('.')}` : '';
      throw new LlmModelsError(`model "${name}"${field}: ${issue.message}`);
    }
    const entry = parsed.data;
    const apiKey = entry.apiKeyEnv ? env[entry.apiKeyEnv] : entry.apiKey;
    if (entry.apiKeyEnv && !apiKey) {
      throw new LlmModelsError(`model "${name}": environment variable ${entry.apiKeyEnv} is empty`);
    }
    models.set(name, {
      name,
      baseUrl: entry.baseUrl.replace(/\/+$/, ''),
      model: entry.model,
      ...(apiKey && { apiKey }),
      capabilities: entry.capabilities,
      timeoutMs: entry.timeoutSeconds * 1000,
      maxRetries: entry.maxRetries,
      ...(entry.temperature !== undefined && { temperature: entry.temperature }),
      ...(entry.maxTokens !== undefined && { maxTokens: entry.maxTokens }),
    });
  }
  return models;
}
