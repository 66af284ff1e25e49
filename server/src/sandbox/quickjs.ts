import type {
  QuickJSContext,
  QuickJSHandle,
  QuickJSSyncVariant,
  QuickJSWASMModule,
} from 'quickjs-emscripten-core';

/** What a script may use; the step's config picks within these. */
export const SCRIPT_LIMITS = {
  defaultTimeoutMs: 1000,
  // A script runs on the server's event loop (see runScript), so its deadline is kept short.
  maxTimeoutMs: 5000,
  defaultMemoryMB: 16,
  maxMemoryMB: 64,
  /** QuickJS's own stack; well inside the WebAssembly stack so deep recursion is a JS error, not a trap. */
  stackBytes: 256 * 1024,
  /** The returned value as JSON; checked outside the sandbox. */
  maxOutputChars: 256 * 1024,
  maxCodeChars: 20_000,
  maxLogEntries: 100,
  maxLogEntryChars: 2000,
  /** Promise jobs run in batches, so the host checks the deadline between them too. */
  jobBatch: 1000,
} as const;

export type ScriptErrorCode =
  | 'script_syntax'
  | 'script_error'
  | 'script_timeout'
  | 'script_memory'
  | 'script_stack'
  | 'script_never_settled'
  | 'script_output'
  | 'script_input';

export class ScriptError extends Error {
  override name = 'ScriptError';
  constructor(
    readonly code: ScriptErrorCode,
    message: string,
    /** 1-based line in the script's code, when known. */
    readonly line?: number,
  ) {
    super(message);
  }
}

export interface ScriptInput {
  code: string;
  /** Plain JSON data: each key becomes a parameter of the script (payload, last, steps, …). */
  data: Record<string, unknown>;
  timeoutMs?: number;
  memoryMB?: number;
  /** Already aborted: the script does not start. It cannot fire while the script runs (see runScript). */
  signal?: AbortSignal;
}

export interface ScriptOutcome {
  value: unknown;
  logs: Array<{ level: string; message: string }>;
  durationMs: number;
}

const FILE = 'script.js';
export const SCRIPT_PARAMETERS = ['payload', 'last', 'steps', 'vars', 'trigger', 'system'] as const;

// One evaluation before the script (each costs a little in a fresh context):
//  - console, its methods forwarding to the one host function, which is then removed from the global;
//  - no code from strings (eval, the Function constructors), so "Function('return this')" tricks fail
//    with a clear message rather than quietly reaching the (empty) sandbox global. The host compiles
//    the script itself, so this does not stop the script from running;
//  - the bootstrap, which parses the input, freezes it deeply (the script sees a read-only copy) and
//    turns the result into JSON inside the sandbox, so the host only ever receives a string.
const SETUP = `(() => {
  'use strict';
  const log = globalThis.__kinflowLog;
  delete globalThis.__kinflowLog;
  const console = {};
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) console[level] = (...args) => log(level, ...args);
  Object.defineProperty(globalThis, 'console', { value: Object.freeze(console), writable: false, configurable: false });
  const blocked = function () { throw new EvalError('code from strings (eval, Function) is not allowed in a script'); };
  const protos = [function () {}, async function () {}, function* () {}, async function* () {}]
    .map((f) => Object.getPrototypeOf(f));
  blocked.prototype = Function.prototype;
  for (const proto of protos) Object.defineProperty(proto, 'constructor', { value: blocked, writable: false, configurable: false });
  for (const name of ['Function', 'eval']) Object.defineProperty(globalThis, name, { value: blocked, writable: false, configurable: false });
  const freeze = (value) => {
    if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
      Object.freeze(value);
      for (const key of Object.keys(value)) freeze(value[key]);
    }
    return value;
  };
  return function (script, json) {
    const input = freeze(JSON.parse(json));
    return script(${SCRIPT_PARAMETERS.map((name) => `input.${name}`).join(', ')}).then((value) => {
      const text = JSON.stringify(value === undefined ? null : value);
      return text === undefined ? 'null' : text;
    });
  };
})()`;

let modulePromise: Promise<QuickJSWASMModule> | undefined;
let loaded: QuickJSWASMModule | undefined;

/** Loads the WebAssembly module once (about 15 ms); every script gets its own runtime inside it. */
export async function loadScriptSandbox(): Promise<QuickJSWASMModule> {
  // Imported here, not at the top: the emscripten glue is a sizeable load that only scripts need.
  modulePromise ??= Promise.all([
    import('@jitl/quickjs-wasmfile-release-sync'),
    import('quickjs-emscripten-core'),
  ])
    .then(([{ default: imported }, { newQuickJSWASMModuleFromVariant }]) =>
      // The variant's typings describe its CommonJS face; under ESM the default export is the variant itself.
      newQuickJSWASMModuleFromVariant(
        ((imported as { default?: QuickJSSyncVariant }).default ?? imported) as QuickJSSyncVariant,
      ),
    )
    .then((module) => (loaded = module));
  return modulePromise;
}

/** The script as the body of an async function, so it may `return` and `await` (the Flows seed). */
function wrap(code: string): string {
  // On the first line, so the script's line N is line N of the file.
  return `(async function (${SCRIPT_PARAMETERS.join(', ')}) { 'use strict'; ${code}\n})`;
}

/**
 * Compiles the script without running it: its syntax error (message and line), or undefined. Needs the
 * module loaded (loadScriptSandbox), which the script step type does when it is imported.
 */
export function checkScriptSyntax(code: string): ScriptError | undefined {
  if (!loaded) throw new Error('the script sandbox is not loaded yet');
  const lines = code.split('\n').length;
  const runtime = loaded.newRuntime();
  try {
    runtime.setMemoryLimit(SCRIPT_LIMITS.defaultMemoryMB * 1024 * 1024);
    runtime.setMaxStackSize(SCRIPT_LIMITS.stackBytes);
    const context = runtime.newContext();
    try {
      const result = context.evalCode(wrap(code), FILE, { type: 'global', compileOnly: true });
      if (!result.error) {
        result.value.dispose();
        return undefined;
      }
      const error = toScriptError(context, result.error, 'script_syntax', lines);
      result.error.dispose();
      return error;
    } finally {
      context.dispose();
    }
  } finally {
    runtime.dispose();
  }
}

/**
 * Runs a script in a fresh QuickJS runtime with its own memory limit, stack limit and deadline.
 *
 * It runs synchronously on the calling thread: the interrupt handler stops it at the deadline, so the
 * event loop is held for at most `timeoutMs`. There are no timers or I/O inside, so once its promise
 * jobs are done a promise still pending can never settle: that ends the run at once (the backstop for
 * code parked on a promise), and the host checks the deadline itself between batches of jobs.
 */
export async function runScript(input: ScriptInput): Promise<ScriptOutcome> {
  const module = await loadScriptSandbox();
  if (input.signal?.aborted)
    throw new ScriptError('script_timeout', 'the step was stopped before the script ran');
  const timeoutMs = Math.min(input.timeoutMs ?? SCRIPT_LIMITS.defaultTimeoutMs, SCRIPT_LIMITS.maxTimeoutMs);
  const memoryMB = Math.min(input.memoryMB ?? SCRIPT_LIMITS.defaultMemoryMB, SCRIPT_LIMITS.maxMemoryMB);
  let json: string;
  try {
    json = JSON.stringify(input.data);
  } catch (error) {
    throw new ScriptError(
      'script_input',
      `the pipeline data cannot be handed to the script: ${String(error)}`,
    );
  }
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  const lines = input.code.split('\n').length;
  const logs: ScriptOutcome['logs'] = [];
  const runtime = module.newRuntime();
  try {
    runtime.setMemoryLimit(memoryMB * 1024 * 1024);
    runtime.setMaxStackSize(SCRIPT_LIMITS.stackBytes);
    runtime.setInterruptHandler(() => Date.now() > deadline);
    const context = runtime.newContext();
    try {
      installConsole(context, logs);
      const bootstrap = context.unwrapResult(context.evalCode(SETUP, 'kinflow-setup.js', { type: 'global' }));
      const compiled = context.evalCode(wrap(input.code), FILE, { type: 'global' });
      if (compiled.error) {
        const error = toScriptError(context, compiled.error, 'script_syntax', lines);
        compiled.error.dispose();
        bootstrap.dispose();
        throw error;
      }
      const script = compiled.value;
      const text = context.newString(json);
      const call = context.callFunction(bootstrap, context.undefined, script, text);
      text.dispose();
      bootstrap.dispose();
      script.dispose();
      if (call.error) {
        const error = toScriptError(context, call.error, 'script_error', lines, memoryMB, timeoutMs);
        call.error.dispose();
        throw error;
      }
      const promise = call.value;
      try {
        const value = settle(runtime, context, promise, deadline, lines, memoryMB, timeoutMs);
        if (value.length > SCRIPT_LIMITS.maxOutputChars) {
          throw new ScriptError(
            'script_output',
            `the script returned ${value.length} characters of JSON; at most ${SCRIPT_LIMITS.maxOutputChars} are kept`,
          );
        }
        return { value: JSON.parse(value), logs, durationMs: Math.round(performance.now() - started) };
      } finally {
        promise.dispose();
      }
    } finally {
      context.dispose();
    }
  } catch (error) {
    if (error instanceof ScriptError) throw error;
    // Not an error of the script but of the engine around it (a trap in the WebAssembly module): start
    // over with a fresh module, so one broken instance cannot affect the next script.
    modulePromise = undefined;
    loaded = undefined;
    void loadScriptSandbox();
    throw new ScriptError('script_error', `the script sandbox failed: ${(error as Error).message}`);
  } finally {
    try {
      runtime.dispose();
    } catch {
      // A runtime stopped by "out of memory" may not free cleanly; it is dropped either way.
    }
  }
}

function settle(
  runtime: ReturnType<QuickJSWASMModule['newRuntime']>,
  context: QuickJSContext,
  promise: QuickJSHandle,
  deadline: number,
  lines: number,
  memoryMB: number,
  timeoutMs: number,
): string {
  for (;;) {
    const state = context.getPromiseState(promise);
    if (state.type === 'fulfilled') {
      const text = context.getString(state.value);
      state.value.dispose();
      return text;
    }
    if (state.type === 'rejected') {
      const error = toScriptError(context, state.error, 'script_error', lines, memoryMB, timeoutMs);
      state.error.dispose();
      throw error;
    }
    if (Date.now() > deadline) throw timeoutError(timeoutMs);
    if (!runtime.hasPendingJob()) {
      throw new ScriptError(
        'script_never_settled',
        'the script waits for a promise that never settles (a script has no timers or I/O to wait for)',
      );
    }
    const jobs = runtime.executePendingJobs(SCRIPT_LIMITS.jobBatch);
    if (jobs.error) {
      // A job failed outside the script's promise chain (an unhandled rejection elsewhere): report it.
      const error = toScriptError(context, jobs.error, 'script_error', lines, memoryMB, timeoutMs);
      jobs.error.dispose();
      if (error.code !== 'script_error') throw error;
    }
  }
}

/** One host function behind every console method (SETUP wraps it), capped in count and length. */
function installConsole(context: QuickJSContext, logs: ScriptOutcome['logs']): void {
  const fn = context.newFunction('log', (levelHandle, ...args) => {
    if (logs.length >= SCRIPT_LIMITS.maxLogEntries) return;
    const level = context.getString(levelHandle);
    const message = args
      .map((arg) => {
        const value: unknown = context.typeof(arg) === 'string' ? context.getString(arg) : context.dump(arg);
        return typeof value === 'string' ? value : safeJson(value);
      })
      .join(' ');
    logs.push({ level: level === 'log' || level === 'debug' ? 'info' : level, message: clip(message) });
  });
  context.setProp(context.global, '__kinflowLog', fn);
  fn.dispose();
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function clip(text: string): string {
  return text.length > SCRIPT_LIMITS.maxLogEntryChars
    ? `${text.slice(0, SCRIPT_LIMITS.maxLogEntryChars)}…`
    : text;
}

function timeoutError(timeoutMs: number): ScriptError {
  return new ScriptError(
    'script_timeout',
    `the script ran longer than its ${timeoutMs} ms limit and was stopped`,
  );
}

/** Turns an exception inside the sandbox into a ScriptError naming its kind, message and script line. */
function toScriptError(
  context: QuickJSContext,
  handle: QuickJSHandle,
  fallback: ScriptErrorCode,
  lines: number,
  memoryMB: number = SCRIPT_LIMITS.defaultMemoryMB,
  timeoutMs: number = SCRIPT_LIMITS.defaultTimeoutMs,
): ScriptError {
  const dumped = context.dump(handle) as unknown;
  const error =
    dumped && typeof dumped === 'object'
      ? (dumped as { name?: unknown; message?: unknown; stack?: unknown })
      : { name: 'Error', message: safeJson(dumped) };
  const name = typeof error.name === 'string' ? error.name : 'Error';
  const message = typeof error.message === 'string' ? error.message : safeJson(error.message);
  const line = lineOf(typeof error.stack === 'string' ? error.stack : '', lines);
  const at = line ? ` (line ${line})` : '';
  if (name === 'InternalError') {
    if (message === 'interrupted') return timeoutError(timeoutMs);
    if (message === 'out of memory' || message === 'string too long' || message.includes('array too long'))
      return new ScriptError(
        'script_memory',
        `the script used more than its ${memoryMB} MB memory limit${at}`,
        line,
      );
    if (message === 'stack overflow')
      return new ScriptError('script_stack', `the script recursed too deeply (stack overflow)${at}`, line);
  }
  const code = fallback === 'script_syntax' || name === 'SyntaxError' ? fallback : 'script_error';
  return new ScriptError(code, `${name}: ${message}${at}`, line);
}

/** The first frame in the script itself; the wrapper's closing line counts as the script's last line. */
function lineOf(stack: string, lines: number): number | undefined {
  const match = /script\.js:(\d+)/.exec(stack);
  if (!match) return undefined;
  return Math.min(Number(match[1]), lines);
}
