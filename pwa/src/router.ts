import { createRouter, createWebHistory, type Router } from 'vue-router';
import { caregiverRoutes } from './caregiver/routes';
import { token } from './shared/auth/session';
import { safeRedirect } from './shared/safe-redirect';
import { tabletRoutes } from './tablet/routes';

export { safeRedirect };

/**
 * One router for both apps. Each app's views are lazy chunks behind its own shell, so the tablet
 * never downloads the caregiver app (and the editor) and the other way round.
 */
export function createKinflowRouter(): Router {
  const router = createRouter({
    history: createWebHistory(import.meta.env.BASE_URL),
    routes: [...tabletRoutes, ...caregiverRoutes, { path: '/:rest(.*)*', redirect: '/' }],
  });

  router.beforeEach((to) => {
    if (to.meta.audience === 'tablet') return true;
    if (to.meta.public) return to.name === 'login' && token.value ? safeRedirect(to.query.redirect) : true;
    if (token.value) return true;
    // Asked for the landing page (even through its redirect): sign in and land there, no query needed.
    const asked = to.redirectedFrom?.fullPath ?? to.fullPath;
    return { name: 'login', query: asked === '/' ? {} : { redirect: asked } };
  });

  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · Kinflow` : 'Kinflow';
  });

  return router;
}
