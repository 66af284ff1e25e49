import { GraphQLError } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from './logging.js';

afterEach(() => vi.restoreAllMocks());

function capture() {
  const lines: string[] = [];
  vi.spyOn(console, 'error').mockImplementation(
    (...args: unknown[]) => void lines.push(args.map(String).join(' ')),
  );
  return lines;
}

describe('logs outside development', () => {
  const failure = () => {
    const original = new Error(
      "insert into `users` values ('scrypt$32768$8$1$salt$hash') - UNIQUE constraint",
    );
    original.name = 'UniqueConstraintViolationException';
    return new GraphQLError('Unexpected error.', { originalError: original, path: ['createUser'] });
  };

  it('name the kind and place of an error, never its SQL, values or stack', () => {
    const lines = capture();
    createLogger({ development: false, quiet: true }).error(failure());
    expect(lines).toEqual(['[kinflow] error: UniqueConstraintViolationException at createUser']);
  });

  it('keep the full error in development', () => {
    const lines = capture();
    createLogger({ development: true, quiet: true }).error(failure());
    expect(lines.join('\n')).toMatch(/Unexpected error/);
  });
});
