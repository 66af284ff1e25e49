import { House } from 'lucide-vue-next';
import type { RouteRecordRaw } from 'vue-router';

export const homeRoutes: RouteRecordRaw[] = [
  {
    path: '',
    name: 'home',
    component: () => import('./HomeView.vue'),
    meta: { audience: 'caregiver', title: 'Home', nav: { label: 'Home', icon: House, order: 10 } },
  },
];
