/** Starting points for a new flow, after the seeds' examples; the server validates them like any save. */
export interface Starter {
  id: string;
  title: string;
  description: string;
  steps: Array<{
    key: string;
    type: string;
    label: string;
    config: Record<string, unknown>;
    position: { x: number; y: number };
  }>;
  edges: Array<{ source: string; sourcePort: string; target: string }>;
}

export const STARTERS: Starter[] = [
  {
    id: 'empty',
    title: 'Empty flow',
    description: 'Start from nothing and add a trigger.',
    steps: [],
    edges: [],
  },
  {
    id: 'too-hot',
    title: 'A room is too hot',
    description: 'Alert when a temperature stays high, at most every 15 minutes.',
    steps: [
      {
        key: 'too_hot',
        type: 'sensor_value',
        label: 'Above 30 °C',
        config: { metric: 'temperature', operator: '>', value: 30 },
        position: { x: 0, y: 0 },
      },
      {
        key: 'quiet',
        type: 'cooldown',
        label: 'At most every 15 min',
        config: { minutes: 15 },
        position: { x: 0, y: 200 },
      },
      {
        key: 'warn',
        type: 'alert',
        label: 'Warn caregivers',
        config: { level: 'warning', message: '{node_name} {metric} hit {value}' },
        position: { x: 0, y: 400 },
      },
    ],
    edges: [
      { source: 'too_hot', sourcePort: 'main', target: 'quiet' },
      { source: 'quiet', sourcePort: 'pass', target: 'warn' },
    ],
  },
  {
    id: 'check-in',
    title: 'Daily check-in',
    description: 'Ask on the tablet every morning and alert if help is needed or nobody answers.',
    steps: [
      {
        key: 'morning',
        type: 'schedule',
        label: 'Every day at 9:00',
        config: { cron: '0 9 * * *' },
        position: { x: 0, y: 0 },
      },
      {
        key: 'ask',
        type: 'interactive_prompt',
        label: 'Are you okay?',
        config: { popupMessageTemplate: 'Good morning! Are you okay?' },
        position: { x: 0, y: 200 },
      },
      {
        key: 'help',
        type: 'alert',
        label: 'Help needed',
        config: { level: 'emergency', message: 'Check-in: help was asked for' },
        position: { x: 0, y: 400 },
      },
    ],
    edges: [
      { source: 'morning', sourcePort: 'main', target: 'ask' },
      { source: 'ask', sourcePort: 'escalate', target: 'help' },
      { source: 'ask', sourcePort: 'timeout', target: 'help' },
    ],
  },
];
