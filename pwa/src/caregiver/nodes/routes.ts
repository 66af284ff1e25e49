import { Cpu } from 'lucide-vue-next';
import type { RouteRecordRaw } from 'vue-router';

export const nodeRoutes: RouteRecordRaw[] = [
  {
    path: 'nodes',
    name: 'nodes',
    component: () => import('./NodesView.vue'),
    meta: { audience: 'caregiver', title: 'Nodes', nav: { label: 'Nodes', icon: Cpu, order: 50 } },
  },
];
