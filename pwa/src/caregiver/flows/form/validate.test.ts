import { describe, expect, it } from 'vitest';
import { checkConfig } from './validate';

const schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    expression: { type: 'string', minLength: 1 },
    seconds: { type: 'number', minimum: 1, maximum: 60 },
    target: { type: 'object', properties: { room: { type: 'string' } }, required: ['room'] },
  },
  required: ['expression'],
};

describe('checkConfig', () => {
  it('takes a stored secret ({"$secret":"set"}) for the string it stands for', () => {
    const secret = { type: 'object', properties: { url: { type: 'string', writeOnly: true } } };
    expect(checkConfig('t-secret', secret, { url: { $secret: 'set' } }).size).toBe(0);
    expect(checkConfig('t-secret', secret, { url: 5 }).get('config.url')).toBeDefined();
  });

  it('accepts a config that matches the schema', () => {
    expect(checkConfig('t1', schema, { expression: 'a > 1', seconds: 5 }).size).toBe(0);
  });

  it('names the field of each problem, nested ones with their path', () => {
    const errors = checkConfig('t2', schema, { seconds: 0, target: {} });
    expect(errors.get('config.expression')).toEqual(['Required']);
    expect(errors.get('config.target.room')).toEqual(['Required']);
    expect(errors.get('config.seconds')).toEqual(['Must be >= 1']);
    expect([...errors.keys()].sort()).toEqual(['config.expression', 'config.seconds', 'config.target.room']);
  });

  it('reports a wrong type at its field', () => {
    const errors = checkConfig('t3', schema, { expression: 5 });
    expect(errors.has('config.expression')).toBe(true);
  });
});
