import { Workflow } from 'lucide-vue-next';
import type { RouteRecordRaw } from 'vue-router';

export const flowRoutes: RouteRecordRaw[] = [
  {
    path: 'flows',
    name: 'flows',
    component: () => import('./FlowsView.vue'),
    meta: { audience: 'caregiver', title: 'Flows', nav: { label: 'Flows', icon: Workflow, order: 20 } },
  },
];
