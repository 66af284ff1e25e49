import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineStepType } from '../steps/step-type.js';
import { discoverStepTypes } from '../steps/registry.js';
import { migrateConfig, missingMigrations } from './migrations.js';

// A step type whose config changed shape twice: v1 `text`, v2 `message`, v3 `message` + `level`.
const notice = defineStepType({
  type: 'notice',
  category: 'action',
  title: 'Notice',
  description: 'test type',
  configSchema: z.object({ message: z.string(), level: z.enum(['info', 'warning']) }).strict(),
  ports: [],
  configVersion: 3,
  migrations: {
    1: ({ text, ...rest }) => ({ ...rest, message: text }),
    2: (config) => ({ ...config, level: config.urgent ? 'warning' : 'info', urgent: undefined }),
  },
});

describe('config migrations', () => {
  it('applies every migration from the bundle’s version up to the current one, in order', () => {
    expect(migrateConfig(notice, 1, { text: 'hi', urgent: true })).toEqual({
      ok: true,
      config: { message: 'hi', level: 'warning', urgent: undefined },
      fromVersion: 1,
      toVersion: 3,
      migrated: true,
    });
    expect(migrateConfig(notice, 2, { message: 'hi' })).toMatchObject({
      config: { message: 'hi', level: 'info' },
      migrated: true,
    });
    expect(migrateConfig(notice, 3, { message: 'hi', level: 'info' })).toMatchObject({ migrated: false });
  });

  it('leaves the input untouched', () => {
    const input = { text: 'hi', nested: { a: 1 } };
    const snapshot = structuredClone(input);
    migrateConfig(notice, 1, input);
    expect(input).toEqual(snapshot);
  });

  it('refuses configs from a newer Kinflow and gaps in the chain', () => {
    expect(migrateConfig(notice, 4, {})).toEqual({
      ok: false,
      message: expect.stringContaining('newer than this server knows (3)'),
    });
    const gappy = { ...notice, migrations: { 1: notice.migrations![1]! } };
    expect(missingMigrations(gappy)).toEqual([2]);
    expect(migrateConfig(gappy, 1, { text: 'x' })).toEqual({
      ok: false,
      message: '"notice" has no migration from config version 2 to 3',
    });
  });

  it('reports a migration that throws instead of crashing the import', () => {
    const failing = {
      ...notice,
      migrations: {
        ...notice.migrations,
        1: () => {
          throw new Error('boom');
        },
      },
    };
    expect(migrateConfig(failing, 1, {})).toEqual({
      ok: false,
      message: 'migrating "notice" from version 1: boom',
    });
  });

  it('every installed step type has a complete migration chain', async () => {
    const registry = await discoverStepTypes();
    const gaps = registry
      .list()
      .filter((type) => missingMigrations(type).length > 0)
      .map((type) => type.type);
    expect(gaps).toEqual([]);
    expect(registry.list().length).toBeGreaterThan(10);
  });
});
