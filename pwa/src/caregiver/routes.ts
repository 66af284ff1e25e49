import type { RouteRecordRaw } from 'vue-router';
import { flowRoutes } from './flows/routes';
import { tabletAdminRoutes } from './tablets/routes';

/**
 * The caregiver app. Each area (flows, runs, alerts, nodes, tablets …) exports its routes from its
 * own `routes.ts`; a route with `meta.nav` appears in the navigation, so adding an area is one import
 * here and nothing else.
 */
export const caregiverRoutes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('./account/LoginView.vue'),
    meta: { public: true, audience: 'caregiver', title: 'Sign in' },
  },
  {
    path: '/',
    component: () => import('./CaregiverShell.vue'),
    meta: { audience: 'caregiver' },
    children: [{ path: '', name: 'home', redirect: { name: 'flows' } }, ...flowRoutes, ...tabletAdminRoutes],
  },
];
