import { Bell } from 'lucide-vue-next';
import type { RouteRecordRaw } from 'vue-router';

export const alertRoutes: RouteRecordRaw[] = [
  {
    path: 'alerts',
    name: 'alerts',
    component: () => import('./AlertsView.vue'),
    meta: { audience: 'caregiver', title: 'Alerts', nav: { label: 'Alerts', icon: Bell, order: 40 } },
  },
];
