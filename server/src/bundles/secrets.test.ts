import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { maskSecrets, pathOf, secretPaths, setAt } from './secrets.js';

const schemaOf = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;

describe('secret masking', () => {
  const schema = schemaOf(
    z.object({
      url: z.string().meta({ secret: true }),
      token: z.string().optional().meta({ writeOnly: true }),
      message: z.string(),
      headers: z.record(z.string(), z.string()).default({}),
      channels: z
        .array(z.object({ kind: z.string(), webhook: z.string().meta({ secret: true }).optional() }))
        .default([]),
    }),
  );

  it('finds fields the schema marks secret, credential headers and nested list entries', () => {
    const config = {
      url: 'https://hooks.example.org/T000/B000/XXXX',
      token: 'abc',
      message: 'hello',
      headers: { Authorization: 'Bearer x', Accept: 'text/plain', 'X-API-Key': 'k' },
      channels: [{ kind: 'slack', webhook: 'https://hooks.example.org/1' }, { kind: 'in_app' }],
    };
    expect(secretPaths(schema, config)).toEqual([
      ['url'],
      ['token'],
      ['headers', 'Authorization'],
      ['headers', 'X-API-Key'],
      ['channels', 0, 'webhook'],
    ]);
    const masked = maskSecrets(schema, config);
    expect(masked.config).toEqual({
      message: 'hello',
      headers: { Accept: 'text/plain' },
      channels: [{ kind: 'slack' }, { kind: 'in_app' }],
    });
    expect(masked.fields).toEqual([
      'config.url',
      'config.token',
      'config.headers.Authorization',
      'config.headers.X-API-Key',
      'config.channels.0.webhook',
    ]);
    expect(config.url).toContain('hooks'); // the original is not changed
  });

  it('keeps templated values: they point at a secret held elsewhere', () => {
    expect(secretPaths(schema, { url: '{{ vars.slack_url }}', message: 'x' })).toEqual([]);
  });

  it('puts a supplied value back at the field the bundle names', () => {
    const config: Record<string, unknown> = { channels: [{ kind: 'slack' }] };
    setAt(config, pathOf('config.channels.0.webhook'), 'https://x');
    setAt(config, pathOf('config.headers.Authorization'), 'Bearer y');
    expect(config).toEqual({
      channels: [{ kind: 'slack', webhook: 'https://x' }],
      headers: { Authorization: 'Bearer y' },
    });
  });
});
