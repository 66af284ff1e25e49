import {
  useVueFlow,
  type Connection,
  type EdgeMouseEvent,
  type NodeDragEvent,
  type NodeMouseEvent,
} from '@vue-flow/core';
import { computed, ref } from 'vue';
import { addStep, below, connect, edgeId, removeEdge, removeStep, type DraftStep } from './graph';
import { tidy } from './layout';
import type { StepTypeInfo } from './operations';
import type { useFlowEditor } from './use-flow-editor';

type Port = { source: string; sourcePort: string };

/**
 * What a person does on the canvas — add after a port, connect, select, move, edit, delete, tidy,
 * undo — applied to the draft graph as history commands. The canvas and the sheets only report intents.
 */
export function useGraphActions(
  editor: ReturnType<typeof useFlowEditor>,
  flowId: string,
  say: (text: string) => void,
) {
  const { graph, history, typeOf, triggerTypes } = editor;
  const { fitView } = useVueFlow(`flow-${flowId}`);
  const selectedStep = ref<string | null>(null);
  const selectedEdge = ref<string | null>(null);
  const panelOpen = ref(false);
  const palette = ref<{ open: boolean; from: Port | null }>({
    open: false,
    from: null,
  });
  const pending = ref<Port | null>(null);

  const step = computed<DraftStep | null>(
    () => graph.value.steps.find((s) => s.key === selectedStep.value) ?? null,
  );
  const portsOf = (type: string) => typeOf.value.get(type)?.ports.length ?? 1;

  function openPalette(from: Port | null = null): void {
    pending.value = null;
    palette.value = { open: true, from };
  }

  function pick(type: StepTypeInfo): void {
    const from = palette.value.from;
    palette.value = { open: false, from: null };
    let key = '';
    history.record(`Add ${type.title}`, (g) => {
      key = addStep(g, type, below(g, from?.source ?? null, portsOf), from ?? undefined);
    });
    selectedStep.value = key;
    selectedEdge.value = null;
    panelOpen.value = true;
    say(`${type.title} added`);
    // Keep the new step in view (it may land below the visible part of a small screen).
    setTimeout(() => void fitView({ padding: 0.2, maxZoom: 1, duration: 0 }), 60);
  }

  function startConnect(source: string, sourcePort: string): void {
    pending.value = { source, sourcePort };
    say('Now tap the step to connect to');
  }

  function connectTo(target: string, sourceHandle?: string | null, source?: string): void {
    const from = source ? { source, sourcePort: sourceHandle ?? 'main' } : pending.value;
    if (!from || from.source === target) return;
    pending.value = null;
    const done = history.record('Connect', (g) => connect(g, { ...from, target }, triggerTypes.value));
    say(done ? 'Connected' : 'These steps cannot be connected that way');
  }

  function onNodeClick({ node }: NodeMouseEvent): void {
    if (pending.value) {
      if (pending.value.source !== node.id) connectTo(node.id);
      return;
    }
    history.seal();
    selectedStep.value = node.id;
    selectedEdge.value = null;
    panelOpen.value = true;
  }

  function onEdgeClick({ edge }: EdgeMouseEvent): void {
    pending.value = null;
    selectedEdge.value = edge.id;
    selectedStep.value = null;
  }

  function onPaneClick(): void {
    pending.value = null;
    selectedEdge.value = null;
    selectedStep.value = null;
  }

  const onConnect = (connection: Connection) =>
    connectTo(connection.target, connection.sourceHandle, connection.source);

  function onDragStop({ nodes: moved }: NodeDragEvent): void {
    const changed = history.record('Move', (g) => {
      for (const node of moved) {
        const target = g.steps.find((s) => s.key === node.id);
        if (target) target.position = { x: Math.round(node.position.x), y: Math.round(node.position.y) };
      }
    });
    if (changed) editor.positionsChanged();
  }

  function changeStep(field: string, change: (step: DraftStep) => void): void {
    const key = selectedStep.value;
    if (!key) return;
    history.record(
      `Edit ${field}`,
      (g) => {
        const target = g.steps.find((s) => s.key === key);
        if (target) change(target);
      },
      `${key}:${field}`,
    );
  }

  function deleteSelected(): boolean {
    if (selectedStep.value) {
      const key = selectedStep.value;
      history.record('Delete step', (g) => removeStep(g, key));
      selectedStep.value = null;
      panelOpen.value = false;
      say('Step deleted');
    } else if (selectedEdge.value) {
      const id = selectedEdge.value;
      history.record('Delete connection', (g) => removeEdge(g, id));
      selectedEdge.value = null;
      say('Connection deleted');
    } else return false;
    return true;
  }

  function tidyUp(): void {
    if (history.record('Tidy up', (g) => tidy(g, portsOf))) {
      editor.positionsChanged();
      setTimeout(() => void fitView({ padding: 0.2 }), 50);
    }
  }

  function undo(): void {
    history.undo();
    editor.positionsChanged();
    say('Undone');
  }

  function redo(): void {
    history.redo();
    editor.positionsChanged();
    say('Redone');
  }

  const stepName = (key: string) => graph.value.steps.find((s) => s.key === key)?.label || key;
  const edgeWords = computed(() => {
    const edge = graph.value.edges.find((e) => edgeId(e) === selectedEdge.value);
    if (!edge) return '';
    const port = edge.sourcePort !== 'main' ? ` (${edge.sourcePort})` : '';
    return `${stepName(edge.source)} → ${stepName(edge.target)}${port}`;
  });
  const pendingWords = computed(() =>
    pending.value ? `${stepName(pending.value.source)} · ${pending.value.sourcePort}` : '',
  );

  return {
    selectedStep,
    selectedEdge,
    panelOpen,
    palette,
    pending,
    step,
    portsOf,
    edgeWords,
    pendingWords,
    openPalette,
    pick,
    startConnect,
    onNodeClick,
    onEdgeClick,
    onPaneClick,
    onConnect,
    onDragStop,
    changeStep,
    deleteSelected,
    tidyUp,
    undo,
    redo,
  };
}
