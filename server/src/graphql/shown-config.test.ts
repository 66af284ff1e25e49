import { describe, expect, it } from 'vitest';
import { discoverStepTypes } from '../steps/registry.js';
import { toGlobalId } from '../flows/references.js';
import { shownConfig, shownResolvedConfig } from './shown-config.js';

const registry = await discoverStepTypes();
const NODE = '0192f3a4-1b2c-7d3e-8f40-123456789abc';

describe('shown step configs', () => {
  it('masks sealed values and shows references as global IDs, the same on every read', () => {
    const text = JSON.stringify({
      nodeId: NODE,
      message: 'hot',
      headers: { Authorization: { $sealed: 'ciphertext' } },
    });
    const first = shownConfig(registry, 'alert', text);
    expect(first).toMatchObject({
      nodeId: toGlobalId('GatewayNode', NODE),
      message: 'hot',
      headers: { Authorization: { $secret: 'set' } },
    });
    expect(JSON.stringify(first)).not.toContain('ciphertext');
    // Shared between requests, so nobody may change it.
    expect(shownConfig(registry, 'alert', text)).toBe(first);
    expect(Object.isFrozen((first.headers as object) ?? {})).toBe(true);
  });

  it('keys the cache by type: the same text under a type without references stays as stored', () => {
    const text = JSON.stringify({ nodeId: NODE });
    expect(shownConfig(registry, 'log', text)).toEqual({ nodeId: NODE });
    expect(shownConfig(registry, 'alert', text)).toEqual({ nodeId: toGlobalId('GatewayNode', NODE) });
  });

  it('lays the step’s overrides over the template config', () => {
    const template = JSON.stringify({ level: 'warning', message: 'from template', nodeId: NODE });
    const shown = shownResolvedConfig(registry, 'alert', JSON.stringify({ message: 'own' }), template);
    expect(shown).toEqual({ level: 'warning', message: 'own', nodeId: toGlobalId('GatewayNode', NODE) });
    expect(shownResolvedConfig(registry, 'alert', '{"message":"own"}', null)).toEqual({ message: 'own' });
  });
});
