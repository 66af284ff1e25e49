import { describe, expect, it } from 'vitest';
import type { StateChange } from '../homeassistant/index.js';
import { HaStateTriggers, matchesStateChange, type HaStateTriggerConfig } from './ha-state.js';
import type { TriggerFire } from './fire.js';

const state = (value: string, attributes: Record<string, unknown> = {}) => ({
  entity_id: 'light.kitchen',
  state: value,
  attributes,
});
const change = (from: string | null, to: string | null, entityId = 'light.kitchen'): StateChange => ({
  entityId,
  oldState: from === null ? null : state(from),
  newState: to === null ? null : state(to, { brightness: 10 }),
  timeFired: '2026-12-02T08:00:00Z',
});
const config = (overrides: Partial<HaStateTriggerConfig> = {}): HaStateTriggerConfig => ({
  entityId: 'light.kitchen',
  from: [],
  to: [],
  attributeChanges: false,
  ...overrides,
});

describe('ha_state matching', () => {
  it('follows from and to, ignores removals and (unless asked) attribute-only changes', () => {
    expect(matchesStateChange(config(), change('off', 'on'))).toBe(true);
    expect(matchesStateChange(config(), change('on', null))).toBe(false);
    expect(matchesStateChange(config(), change('on', 'on'))).toBe(false);
    expect(matchesStateChange(config({ attributeChanges: true }), change('on', 'on'))).toBe(true);
    expect(matchesStateChange(config({ to: ['on'] }), change('on', 'off'))).toBe(false);
    expect(matchesStateChange(config({ from: ['off'], to: ['on'] }), change('off', 'on'))).toBe(true);
    expect(matchesStateChange(config({ from: ['off'] }), change(null, 'on'))).toBe(false);
    expect(matchesStateChange(config(), change('off', 'on', 'light.hall'))).toBe(false);
    expect(matchesStateChange(config({ entityId: 'light.*' }), change('off', 'on', 'light.hall'))).toBe(true);
    expect(matchesStateChange(config({ entityId: 'light.*' }), change('off', 'on', 'switch.hall'))).toBe(
      false,
    );
  });

  it('subscribes while a flow has an ha_state trigger and fires with entity, states and attributes', () => {
    const listeners = new Set<(c: StateChange) => void>();
    const source = {
      onStateChanged(listener: (c: StateChange) => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const fired: TriggerFire[] = [];
    const triggers = new HaStateTriggers(source, (fire) => fired.push(fire));
    expect(listeners.size).toBe(0);
    triggers.saveFlow('f1', [{ stepKey: 'door', config: config({ to: ['on'] }) }]);
    triggers.saveFlow('f2', [{ stepKey: 'any', config: config() }]);
    expect(listeners.size).toBe(1);
    for (const listener of listeners) listener(change('off', 'on'));
    expect(fired.map((fire) => `${fire.flowId}/${fire.triggerStepKey}`)).toEqual(['f1/door', 'f2/any']);
    expect(fired[0]).toMatchObject({
      triggerType: 'ha_state',
      payload: {
        entity_id: 'light.kitchen',
        from: 'off',
        to: 'on',
        old_state: { state: 'off' },
        new_state: { state: 'on' },
        attributes: { brightness: 10 },
        time_fired: '2026-12-02T08:00:00Z',
      },
    });
    triggers.saveFlow('f1', []);
    expect(listeners.size).toBe(1);
    triggers.saveFlow('f2', []);
    expect(listeners.size).toBe(0);
  });
});
