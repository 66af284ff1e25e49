import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { importFolderDefaults } from '../steps/registry.js';
import type { AnyObjectSchema, ChannelDefinition } from './channel.js';

const NOT_CHANNEL_FILES = new Set(['registry', 'channel', 'message', 'post', 'index']);
const channelsDir = path.dirname(fileURLToPath(import.meta.url));

export class ChannelRegistry {
  private readonly byType = new Map<string, ChannelDefinition>();

  constructor(definitions: ChannelDefinition[]) {
    for (const definition of definitions) {
      if (this.byType.has(definition.type)) throw new Error(`channel "${definition.type}" is defined twice`);
      this.byType.set(definition.type, definition);
    }
  }

  get(type: string): ChannelDefinition | undefined {
    return this.byType.get(type);
  }

  types(): string[] {
    return [...this.byType.keys()].sort();
  }

  /** One entry of a notification step's `channels`: the union of every channel's config, keyed by `type`. */
  configSchema(): z.ZodType<{ type: string } & Record<string, unknown>> {
    const schemas = this.types().map((type) => this.byType.get(type)!.configSchema);
    if (schemas.length === 0) throw new Error('no notification channels found');
    return z.discriminatedUnion('type', schemas as [AnyObjectSchema, ...AnyObjectSchema[]]) as never;
  }
}

const isChannel = (value: unknown): value is ChannelDefinition => {
  const candidate = value as Partial<ChannelDefinition> | undefined;
  return typeof candidate?.type === 'string' && typeof candidate.deliver === 'function';
};

let discovered: Promise<ChannelRegistry> | undefined;

/**
 * Every file in this folder (other than the shared helpers) default-exports one channel, so a new
 * channel is one new file. Discovered once per process.
 */
export function discoverChannels(dir = channelsDir): Promise<ChannelRegistry> {
  const load = () =>
    importFolderDefaults(dir, NOT_CHANNEL_FILES, isChannel, 'channel').then(
      (definitions) => new ChannelRegistry(definitions),
    );
  // Only the built-in folder is cached; tests pass their own folders.
  if (dir !== channelsDir) return load();
  discovered ??= load();
  return discovered;
}
