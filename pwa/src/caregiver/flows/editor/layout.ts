import dagre from '@dagrejs/dagre';
import type { Graph } from './graph';

// Rough step card size on the canvas (StepNode): enough for layout and overlap checks.
const WIDTH = 216;
const HEIGHT = 160;
const widthOf = (ports: number) => Math.max(WIDTH, ports * 84);

/** "Tidy up": a top-down layered layout of the graph (dagre), steps keep their keys. */
export function tidy(graph: Graph, portsOf: (type: string) => number = () => 1): void {
  const layout = new dagre.graphlib.Graph();
  layout.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 70 });
  layout.setDefaultEdgeLabel(() => ({}));
  for (const step of graph.steps)
    layout.setNode(step.key, { width: widthOf(portsOf(step.type)), height: HEIGHT });
  for (const edge of graph.edges) layout.setEdge(edge.source, edge.target);
  dagre.layout(layout);
  for (const step of graph.steps) {
    const placed = layout.node(step.key);
    if (placed)
      step.position = { x: Math.round(placed.x - placed.width / 2), y: Math.round(placed.y - HEIGHT / 2) };
  }
}

/** Whether any two steps' cards would overlap where they are (e.g. a flow made through the API). */
export function overlaps(graph: Graph, portsOf: (type: string) => number = () => 1): boolean {
  const boxes = graph.steps.map((step) => ({ ...step.position, w: widthOf(portsOf(step.type)) }));
  return boxes.some((a, i) =>
    boxes.some((b, j) => j > i && Math.abs(a.x - b.x) < (a.w + b.w) / 2 && Math.abs(a.y - b.y) < HEIGHT),
  );
}
