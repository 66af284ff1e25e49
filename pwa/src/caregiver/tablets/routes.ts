import { Tablet } from 'lucide-vue-next';
import type { RouteRecordRaw } from 'vue-router';

export const tabletAdminRoutes: RouteRecordRaw[] = [
  {
    path: 'tablets',
    name: 'tablets',
    component: () => import('./TabletsView.vue'),
    meta: { audience: 'caregiver', title: 'Tablets', nav: { label: 'Tablets', icon: Tablet, order: 60 } },
  },
  {
    // `new` creates a card; otherwise the card's global ID.
    path: 'tablets/cards/:id',
    name: 'info-card',
    component: () => import('./CardEditorView.vue'),
    meta: { audience: 'caregiver', title: 'Info card' },
  },
];
