import { describe, expect, it } from 'vitest';
import { addStep, connect, edgeId, removeStep, type Graph } from './graph';
import { useHistory } from './history';
import type { StepTypeInfo } from './operations';

const type = (name: string, isTrigger = false): StepTypeInfo => ({
  type: name,
  category: isTrigger ? 'TRIGGER' : 'ACTION',
  title: name,
  description: '',
  isTrigger,
  configSchema: { type: 'object', properties: { level: { type: 'string', default: 'info' } } },
  ports: [{ name: 'main', label: 'Next', description: null }],
});

function editor() {
  let graph: Graph = { steps: [], edges: [] };
  const history = useHistory(
    () => graph,
    (next) => (graph = next),
  );
  return { history, get: () => graph };
}

describe('the editor history', () => {
  it('undoes and redoes each command, and a new command clears what was undone', () => {
    const { history, get } = editor();
    history.record('add', (g) => void addStep(g, type('manual', true), { x: 0, y: 0 }));
    history.record(
      'add',
      (g) => void addStep(g, type('log'), { x: 0, y: 200 }, { source: 'manual', sourcePort: 'main' }),
    );
    expect(get().edges.map(edgeId)).toEqual(['manual:main->log']);
    expect(get().steps[1]!.config).toEqual({ level: 'info' });

    history.undo();
    expect(get().steps.map((s) => s.key)).toEqual(['manual']);
    history.redo();
    expect(get().steps.map((s) => s.key)).toEqual(['manual', 'log']);
    history.undo();
    history.record('add', (g) => void addStep(g, type('alert'), { x: 0, y: 0 }));
    expect(history.canRedo.value).toBe(false);
  });

  it('merges edits of one field into one command until sealed', () => {
    const { history, get } = editor();
    history.record('add', (g) => void addStep(g, type('log'), { x: 0, y: 0 }));
    for (const label of ['H', 'He', 'Hey']) {
      history.record('label', (g) => void (g.steps[0]!.label = label), 'log:label');
    }
    history.seal();
    history.record('label', (g) => void (g.steps[0]!.label = 'Hey!'), 'log:label');
    history.undo();
    expect(get().steps[0]!.label).toBe('Hey');
    history.undo();
    expect(get().steps[0]!.label).toBe('log');
  });

  it('records nothing for a change that changes nothing or is refused', () => {
    const { history, get } = editor();
    history.record('add', (g) => void addStep(g, type('manual', true), { x: 0, y: 0 }));
    history.record('add', (g) => void addStep(g, type('log'), { x: 0, y: 0 }));
    const triggers = new Set(['manual']);
    expect(
      history.record('connect', (g) =>
        connect(g, { source: 'log', sourcePort: 'main', target: 'manual' }, triggers),
      ),
    ).toBe(false);
    expect(history.record('noop', () => undefined)).toBe(false);
    history.record('delete', (g) => removeStep(g, 'log'));
    history.undo();
    expect(get().steps).toHaveLength(2);
  });
});
