import fs from 'node:fs';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../src/graphql/schema.js';

describe('GraphQL schema as public API', () => {
  const schema = buildSchema();

  it('describes every type, field, argument and enum value', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name))
        continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : [])
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isEnumType(type))
        for (const value of type.getValues())
          if (!value.description) missing.push(`${type.name}.${value.name}`);
    }
    expect(missing).toEqual([]);
  });

  it('matches the checked-in schema.graphql', () => {
    const checkedIn = fs.readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
    expect(checkedIn).toBe(`${printSchema(schema)}\n`);
  });

  it('uses Relay connections and global IDs for lists', () => {
    const flows = schema.getQueryType()!.getFields().flows!;
    expect(String(flows.type)).toMatch(/Connection!$/);
    expect(flows.args.map((arg) => arg.name)).toEqual(
      expect.arrayContaining(['first', 'after', 'last', 'before']),
    );
    expect(schema.getType('Node')).toBeDefined();
  });
});
