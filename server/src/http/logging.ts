import type { YogaLogger } from 'graphql-yoga';

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Level[] = ['debug', 'info', 'warn', 'error'];

/** Outside development an error is logged by kind and place only: its message may hold SQL or values. */
function summarize(value: unknown): string {
  if (value instanceof Error) {
    const original = (value as { originalError?: unknown }).originalError;
    const path = (value as { path?: ReadonlyArray<string | number> }).path;
    const kind = original instanceof Error ? original.name : value.name;
    return `${kind}${path ? ` at ${path.join('.')}` : ''}`;
  }
  return typeof value === 'string' ? value.split('\n')[0]!.slice(0, 200) : typeof value;
}

export function createLogger(options: { development: boolean; quiet: boolean }): YogaLogger {
  const minimum = options.quiet ? 'error' : 'warn';
  const log =
    (level: Level) =>
    (...args: unknown[]) => {
      if (ORDER.indexOf(level) < ORDER.indexOf(minimum)) return;
      const write = level === 'error' ? console.error : console.warn;
      if (options.development) write(...args);
      else write(`[kinflow] ${level}: ${args.map(summarize).join(' ')}`);
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
