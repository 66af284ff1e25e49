import type { RouteRecordRaw } from 'vue-router';

/**
 * The kiosk. Never behind a sign-in: a tablet that is not paired yet shows how to pair it.
 * Everything under /tablet is one lazy chunk that imports nothing from `caregiver/`.
 */
export const tabletRoutes: RouteRecordRaw[] = [
  {
    path: '/tablet',
    component: () => import('./TabletShell.vue'),
    meta: { public: true, audience: 'tablet', title: 'Tablet' },
    children: [
      { path: '', name: 'tablet', component: () => import('./views/TabletHomeView.vue') },
      { path: 'pair', name: 'tablet-pair', component: () => import('./views/TabletPairView.vue') },
    ],
  },
];
