import { Activity } from 'lucide-vue-next';
import type { RouteRecordRaw } from 'vue-router';

export const runRoutes: RouteRecordRaw[] = [
  {
    path: 'runs',
    name: 'runs',
    component: () => import('./RunsView.vue'),
    meta: { audience: 'caregiver', title: 'Runs', nav: { label: 'Runs', icon: Activity, order: 30 } },
  },
  {
    path: 'runs/:id',
    name: 'run',
    component: () => import('./RunInspector.vue'),
    meta: { audience: 'caregiver', title: 'Run' },
  },
];
