import { describe, expect, it } from 'vitest';
import { isRedundant, referenceOf, titleOf, type Schema } from './form-context';

const flowName: Schema = { type: 'string', 'x-reference': { entity: 'flow', form: 'name' } };
const flowId: Schema = { type: 'string', 'x-reference': { entity: 'flow', form: 'id' } };

describe('reference fields', () => {
  it('read the server’s x-reference mark, defaulting to the ID form', () => {
    expect(referenceOf(flowName)).toEqual({ entity: 'flow', form: 'name' });
    expect(referenceOf({ type: 'string', 'x-reference': { entity: 'node' } })).toEqual({
      entity: 'node',
      form: 'id',
    });
    expect(referenceOf({ type: 'string' })).toBeNull();
  });

  it('are titled by what they pick, in the plural for lists', () => {
    expect(titleOf('flowName', flowName)).toBe('Flow');
    expect(titleOf('deviceId', { type: 'string', 'x-reference': { entity: 'device' } })).toBe('Tablet');
    expect(
      titleOf('ids', { type: 'array', items: { type: 'string', 'x-reference': { entity: 'node' } } }),
    ).toBe('Nodes');
    expect(titleOf('countdownSeconds', { type: 'number' })).toBe('Countdown seconds');
  });

  it('hide an empty ID field next to a by-name field for the same kind of object', () => {
    const properties = { flowName, flowId, payload: { type: 'object' } };
    expect(isRedundant(properties, 'flowId', undefined)).toBe(true);
    expect(isRedundant(properties, 'flowId', 'RmxvdzoxMjM=')).toBe(false);
    expect(isRedundant(properties, 'flowName', undefined)).toBe(false);
    expect(isRedundant({ flowId }, 'flowId', undefined)).toBe(false);
  });
});
