import { Bell } from 'lucide-vue-next';
import type { RouteRecordRaw } from 'vue-router';
import { alertCounts } from './alert-counts';

export const alertRoutes: RouteRecordRaw[] = [
  {
    path: 'alerts',
    name: 'alerts',
    component: () => import('./AlertsView.vue'),
    meta: {
      audience: 'caregiver',
      title: 'Alerts',
      nav: {
        label: 'Alerts',
        icon: Bell,
        order: 40,
        badge: () =>
          alertCounts.value
            ? { count: alertCounts.value.total, urgent: alertCounts.value.emergency > 0 }
            : null,
      },
    },
  },
];
