import type { RouteRecordRaw } from 'vue-router';
import { alertRoutes } from './alerts/routes';
import { flowRoutes } from './flows/routes';
import { homeRoutes } from './home/routes';
import { nodeRoutes } from './nodes/routes';
import { runRoutes } from './runs/routes';
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
    children: [
      ...homeRoutes,
      ...flowRoutes,
      ...runRoutes,
      ...alertRoutes,
      ...nodeRoutes,
      ...tabletAdminRoutes,
    ],
  },
];
