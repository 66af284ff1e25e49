import { afterEach, describe, expect, it } from 'vitest';
import { harness, manual, type Harness } from './test-fixtures.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const read = { key: 'read', type: 'log', config: { message: 'who={{vars.who}} mood={{vars.mood.now}}' } };
const message = (record: { data: Record<string, unknown> }) =>
  (record.data.steps as Record<string, { output: { message: string } }>).read!.output.message;

async function runOnce(harnessed: Harness, flowId: string) {
  return harnessed.engine.settled((await harnessed.engine.trigger({ flowId })).id);
}

describe('vars read by a new run (cached per scope between runs)', () => {
  // A placeholder without a value stays as written.
  it('sees every later write: set_variable in an earlier run, the API, a removal, the global scope', async () => {
    h = await harness();
    const reader = await h.createFlow('reader', [manual, read], [['start', 'read']]);
    const writer = await h.createFlow(
      'writer',
      [
        manual,
        { key: 'set', type: 'set_variable', config: { key: 'who', value: 'the writer', scope: 'global' } },
      ],
      [['start', 'set']],
    );
    expect(message(await runOnce(h, reader))).toBe('who={{vars.who}} mood={{vars.mood.now}}');
    // A run of another flow writes a global variable: the reader's next run sees it.
    await runOnce(h, writer);
    expect(message(await runOnce(h, reader))).toBe('who=the writer mood={{vars.mood.now}}');
    // The API writes the flow's own variable, which shadows the global one.
    const vars = await h.engine.variables();
    await vars.write(reader, 'who', 'the reader');
    await vars.write(reader, 'mood', { now: 'calm' });
    expect(message(await runOnce(h, reader))).toBe('who=the reader mood=calm');
    // Removing it uncovers the global value again.
    await vars.write(reader, 'who', undefined);
    expect(message(await runOnce(h, reader))).toBe('who=the writer mood=calm');
  });

  it('gives each run its own copy of a stored value', async () => {
    h = await harness();
    const flowId = await h.createFlow('reader', [manual, read], [['start', 'read']]);
    await (await h.engine.variables()).write(flowId, 'mood', { now: 'calm' });
    const first = await runOnce(h, flowId);
    ((first.data.vars as Record<string, { now: string }>).mood as { now: string }).now = 'changed';
    expect(message(await runOnce(h, flowId))).toBe('who={{vars.who}} mood=calm');
  });
});
