const TRIGGER_LABELS: Record<string, string> = {
  manual: 'By hand',
  schedule: 'Schedule',
  sensor_value: 'Sensor reading',
  node_event: 'Device event',
  webhook: 'Webhook',
  trigger_flow: 'Another flow',
};

export const triggerLabel = (type: string): string => TRIGGER_LABELS[type] ?? type;

/** 850 ms, 12.3 s, 4 min 05 s — precise for short steps, readable for long waits. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  if (minutes < 60) return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
