import { beforeAll, describe, expect, it } from 'vitest';
import { checkScriptSyntax, loadScriptSandbox, runScript, ScriptError } from './quickjs.js';

const data = {
  payload: { temperature: 31, readings: [1, 2, 3] },
  last: { result: 5 },
  steps: { fetch: { output: { body: { items: [{ id: 'a' }, { id: 'b' }] } } } },
  vars: { threshold: 30 },
  trigger: { type: 'manual', payload: { temperature: 31 } },
  system: { timezone: 'Europe/Berlin' },
};

async function failure(code: string, options: { timeoutMs?: number; memoryMB?: number } = {}) {
  try {
    await runScript({ code, data, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(ScriptError);
    return error as ScriptError;
  }
  throw new Error('the script did not fail');
}

/** After any failure the next script still runs: the server is unharmed. */
async function stillWorks() {
  const { value } = await runScript({ code: 'return payload.temperature * 2', data });
  expect(value).toBe(62);
}

beforeAll(async () => {
  await loadScriptSandbox();
});

describe('script sandbox', () => {
  it('transforms the pipeline data and returns JSON', async () => {
    const outcome = await runScript({
      code: `
        const ids = steps.fetch.output.body.items.map((item) => item.id);
        console.log('ids', ids, 'over', vars.threshold);
        return { hot: payload.temperature > vars.threshold, ids, sum: payload.readings.reduce((a, b) => a + b, 0), last: last.result };`,
      data,
    });
    expect(outcome.value).toEqual({ hot: true, ids: ['a', 'b'], sum: 6, last: 5 });
    expect(outcome.logs).toEqual([{ level: 'info', message: 'ids ["a","b"] over 30' }]);
  });

  it('awaits, and returns non-object values and undefined as null', async () => {
    expect(
      (await runScript({ code: 'await null; return [trigger.type, system.timezone]', data })).value,
    ).toEqual(['manual', 'Europe/Berlin']);
    expect((await runScript({ code: 'const x = 1;', data })).value).toBeNull();
    expect((await runScript({ code: 'return new Date(0)', data })).value).toBe('1970-01-01T00:00:00.000Z');
  });

  it('hands the script a read-only copy of the data', async () => {
    const error = await failure('payload.temperature = 0; return payload');
    expect(error.code).toBe('script_error');
    expect(error.message).toMatch(/^TypeError: .*read-only|^TypeError: .*temperature/);
    const nested = await failure('steps.fetch.output.body.items.push(1)');
    expect(nested.message).toMatch(/TypeError/);
    expect(data.payload.temperature).toBe(31);
  });

  it('reports a thrown error with the script’s message and line', async () => {
    const error = await failure('const a = 1;\n\nthrow new Error("sensor " + a + " is gone");');
    expect(error.code).toBe('script_error');
    expect(error.message).toBe('Error: sensor 1 is gone (line 3)');
    expect(error.line).toBe(3);
    const rejected = await failure('\nawait Promise.reject(new RangeError("no"))');
    expect(rejected.message).toBe('RangeError: no (line 2)');
  });

  it('finds syntax errors without running the code', () => {
    expect(checkScriptSyntax('return 1 +')).toMatchObject({ code: 'script_syntax', line: 1 });
    const error = checkScriptSyntax('const a = 1;\nreturn {a:\n');
    expect(error?.message).toMatch(/^SyntaxError: .* \(line 3\)$/);
    expect(checkScriptSyntax('const x = await Promise.resolve(1); return x')).toBeUndefined();
  });

  it('stops an infinite loop at the deadline', async () => {
    const error = await failure('while (true) {}', { timeoutMs: 200 });
    expect(error).toMatchObject({ code: 'script_timeout' });
    expect(error.message).toBe('the script ran longer than its 200 ms limit and was stopped');
    expect((await failure('await null; for (;;) {}', { timeoutMs: 100 })).code).toBe('script_timeout');
    await stillWorks();
  });

  it('stops a memory bomb at the memory limit', async () => {
    const error = await failure('const a = []; for (;;) a.push({ filler: "x".repeat(100) + a.length });', {
      memoryMB: 8,
      timeoutMs: 5000,
    });
    expect(error.code).toBe('script_memory');
    expect(error.message).toMatch(/more than its 8 MB memory limit/);
    expect((await failure('let s = "x"; for (;;) s += s;', { memoryMB: 8, timeoutMs: 5000 })).code).toBe(
      'script_memory',
    );
    await stillWorks();
  });

  it('stops deep recursion', async () => {
    const error = await failure('function down(n) { return down(n + 1) + 1 }\nreturn down(0)');
    expect(error.code).toBe('script_stack');
    expect(error.message).toBe('the script recursed too deeply (stack overflow) (line 1)');
    await stillWorks();
  });

  it('ends a script parked on a promise that never settles', async () => {
    const error = await failure('await new Promise(() => {}); return 1');
    expect(error.code).toBe('script_never_settled');
    // A chain of promise jobs that never ends is stopped by the deadline instead.
    const chain = await failure(
      'const spin = () => Promise.resolve().then(spin); spin(); await new Promise(() => {})',
      {
        timeoutMs: 200,
      },
    );
    expect(chain.code).toBe('script_timeout');
    await stillWorks();
  });

  it('gives no way out to the host', async () => {
    expect((await failure('return process.env')).message).toBe(
      "ReferenceError: 'process' is not defined (line 1)",
    );
    expect((await failure('return require("fs")')).message).toBe(
      "ReferenceError: 'require' is not defined (line 1)",
    );
    expect((await failure('return globalThis.process.mainModule')).message).toMatch(/^TypeError/);
    expect((await failure('return Function("return this")().process.env')).message).toMatch(
      /^EvalError: code from strings \(eval, Function\) is not allowed/,
    );
    expect((await failure('return (() => {}).constructor("return process")()')).message).toMatch(
      /^EvalError/,
    );
    expect((await failure('return (async () => {}).constructor("return 1")()')).message).toMatch(
      /^EvalError/,
    );
    expect((await failure('return eval("1 + 1")')).message).toMatch(/^EvalError/);
    // What the global does hold: the language and console, nothing of Node.
    const { value } = await runScript({
      code: `return ['process', 'require', 'module', 'Buffer', 'setTimeout', 'fetch', 'std', 'os', '__kinflowLog'].filter((name) => name in globalThis)`,
      data,
    });
    expect(value).toEqual([]);
    await stillWorks();
  });

  it('refuses output beyond the limit outside the sandbox', async () => {
    const error = await failure('return "x".repeat(300 * 1024)');
    expect(error.code).toBe('script_output');
    expect((await failure('const a = {}; a.self = a; return a')).message).toMatch(/^TypeError: circular/i);
  });
});
