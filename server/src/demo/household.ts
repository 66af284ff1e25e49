import type { EntityManager } from '@mikro-orm/better-sqlite';
import { createDevice } from '../auth/service.js';
import { GatewayNode, type Device } from '../db/entities/index.js';
import type { FlowService } from '../flows/service.js';

/**
 * A small household to explore on first start: a few nodes, a kitchen tablet and three flows
 * drawn from the seeds (a sensor threshold alert, a scheduled greeting, a bathroom check-in).
 */
export async function loadDemoHousehold(
  em: EntityManager,
  flows: FlowService,
): Promise<{ deviceToken: string; device: Device }> {
  const node = (name: string, kind: string, tags: string[], metadata: Record<string, unknown> = {}) =>
    em.create(GatewayNode, { name, kind, tags, metadata, status: 'online', lastSeenAt: new Date() });
  const gateway = node('living-room-gateway', 'gateway', ['living-room']);
  node('kitchen-climate', 'sensor', ['kitchen', 'temperature'], { metrics: ['temperature', 'humidity'] });
  node('bathroom-presence', 'sensor', ['bathroom', 'presence'], { metrics: ['presence'] });
  node('front-door', 'sensor', ['hallway', 'door'], { metrics: ['open'] });
  Object.assign(gateway, { sshHost: '192.168.1.20', sshPort: 22, sshUser: 'kinflow' });
  await em.flush();
  const { token, device } = await createDevice(em, {
    name: 'Kitchen tablet',
    room: 'Kitchen',
    person: 'Grandma Rose',
  });

  await flows.create(
    em,
    {
      name: 'Kitchen too hot',
      description:
        'Warns the family when the kitchen stays above 30 °C (a stove left on?), at most every 15 minutes.',
      cooloffMinutes: 15,
    },
    {
      steps: [
        {
          key: 'kitchen_heat',
          type: 'sensor_value',
          label: 'Kitchen above 30 °C',
          positionX: 0,
          positionY: 0,
          config: {
            metric: 'temperature',
            nodeTags: ['kitchen'],
            operator: '>',
            value: 30,
            hysteresis: 1,
            forSeconds: 60,
          },
        },
        {
          key: 'quiet_period',
          type: 'cooldown',
          label: 'At most every 15 min',
          positionX: 0,
          positionY: 140,
          config: { minutes: 15 },
        },
        {
          key: 'raise_alert',
          type: 'alert',
          label: 'Warn caregivers',
          positionX: 0,
          positionY: 280,
          config: {
            level: 'warning',
            message: 'Node {node_name} {metric} hit {value} (threshold {threshold})',
          },
        },
      ],
      edges: [
        { source: 'kitchen_heat', sourcePort: 'main', target: 'quiet_period' },
        { source: 'quiet_period', sourcePort: 'pass', target: 'raise_alert' },
      ],
    },
  );

  await flows.create(
    em,
    { name: 'Morning greeting', description: 'Says good morning on the kitchen tablet at 9 every day.' },
    {
      steps: [
        {
          key: 'every_morning',
          type: 'schedule',
          label: 'Every day at 9:00',
          positionX: 0,
          positionY: 0,
          config: { cron: '0 9 * * *', timezone: 'Europe/London' },
        },
        {
          key: 'greet',
          type: 'tts_announcement',
          label: 'Say good morning',
          positionX: 0,
          positionY: 140,
          config: {
            message: 'Good morning Rose, it is {{ system.local_time }} on {{ system.local_date_friendly }}.',
          },
        },
        {
          key: 'note',
          type: 'log',
          label: 'Note it',
          positionX: 0,
          positionY: 280,
          config: { message: 'Morning greeting spoken' },
        },
      ],
      edges: [
        { source: 'every_morning', sourcePort: 'main', target: 'greet' },
        { source: 'greet', sourcePort: 'main', target: 'note' },
      ],
    },
  );

  await flows.create(
    em,
    {
      name: 'Bathroom check-in',
      description:
        'After 40 minutes of bathroom presence, asks Rose whether she is okay and alerts the family if she needs help or does not answer.',
      cooloffMinutes: 30,
    },
    {
      steps: [
        {
          key: 'long_visit',
          type: 'sensor_value',
          label: 'Bathroom occupied 40 min',
          positionX: 0,
          positionY: 0,
          config: { metric: 'presence', nodeTags: ['bathroom'], operator: '>=', value: 1, forSeconds: 2400 },
        },
        {
          key: 'ask',
          type: 'interactive_prompt',
          label: 'Are you okay?',
          positionX: 0,
          positionY: 140,
          config: {
            popupMessageTemplate: 'Are you okay, Rose?',
            voicePromptTemplate: 'Rose, are you okay? Tap a button or say so.',
            countdownSeconds: 60,
            timeoutAction: 'escalate',
            autoEscalate: true,
          },
        },
        {
          key: 'call_family',
          type: 'alert',
          label: 'Alert the family',
          positionX: -160,
          positionY: 280,
          config: {
            level: 'emergency',
            message: 'Rose may need help in the bathroom ({{ interactive_response.channel }})',
          },
        },
        {
          key: 'all_good',
          type: 'log',
          label: 'Rose is fine',
          positionX: 160,
          positionY: 280,
          config: { message: 'Rose answered she is okay' },
        },
      ],
      edges: [
        { source: 'long_visit', sourcePort: 'main', target: 'ask' },
        { source: 'ask', sourcePort: 'escalate', target: 'call_family' },
        { source: 'ask', sourcePort: 'dismiss', target: 'all_good' },
      ],
    },
  );
  return { deviceToken: token, device };
}
