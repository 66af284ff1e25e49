import { stats, type History, type Stats } from './history.js';

export interface LatestValue {
  nodeId: string;
  metric: string;
  value: number;
  recordedAt: Date;
}

export interface PreviewValue {
  nodeId: string;
  value: number;
  recordedAt: Date;
}

export interface MetricPreview extends Stats {
  metric: string;
  /** null for the "any node" preview. */
  nodeId: string | null;
  /** The newest value (of any node for the "any node" preview). */
  latest: LatestValue | null;
  /** The newest `limit` values, oldest first. Stats cover the whole retained window, not just these. */
  values: PreviewValue[];
  /** Per node summaries (only in the "any node" preview). */
  nodes?: Array<Stats & { nodeId: string; latest: LatestValue | null }>;
}

/** Stats over each pair's retained window; values are the newest `limit` across the pairs, oldest first. */
export function buildPreview(
  metric: string,
  nodeId: string | null,
  pairs: ReadonlyArray<{ nodeId: string; latest: LatestValue | null; history: History | undefined }>,
  options: { limit: number; since: number },
): MetricPreview {
  const values: PreviewValue[] = [];
  const nodes: NonNullable<MetricPreview['nodes']> = [];
  const all: number[] = [];
  let latest: LatestValue | null = null;
  for (const pair of pairs) {
    if (pair.latest && (!latest || pair.latest.recordedAt > latest.recordedAt)) latest = pair.latest;
    if (!pair.history) continue;
    const window = pair.history.window(options.since);
    for (const entry of window) all.push(entry.value);
    // Each pair contributes at most `limit`, so the merge stays small with many nodes.
    for (const entry of window.slice(-options.limit)) {
      values.push({ nodeId: pair.nodeId, value: entry.value, recordedAt: new Date(entry.time) });
    }
    if (nodeId === null)
      nodes.push({ nodeId: pair.nodeId, latest: pair.latest, ...stats(window.map((e) => e.value)) });
  }
  if (pairs.length > 1) values.sort((a, b) => a.recordedAt.getTime() - b.recordedAt.getTime());
  const preview: MetricPreview = {
    metric,
    nodeId,
    latest,
    values: values.slice(-options.limit),
    ...stats(all),
  };
  if (nodeId === null) preview.nodes = nodes;
  return preview;
}
