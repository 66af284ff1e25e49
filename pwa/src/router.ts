import { createRouter, createWebHistory, type Router } from 'vue-router';
import { token } from './auth/session';

/** Only same-app paths are honoured, so a crafted link cannot send someone elsewhere after sign-in. */
export function safeRedirect(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') ? value : '/';
}

export function createKinflowRouter(): Router {
  const router = createRouter({
    history: createWebHistory(import.meta.env.BASE_URL),
    routes: [
      {
        path: '/login',
        name: 'login',
        component: () => import('./views/LoginView.vue'),
        meta: { public: true, title: 'Sign in' },
      },
      {
        path: '/',
        name: 'flows',
        component: () => import('./views/FlowsView.vue'),
        meta: { title: 'Flows' },
      },
      { path: '/:rest(.*)*', redirect: '/' },
    ],
  });

  router.beforeEach((to) => {
    if (to.meta.public) return to.name === 'login' && token.value ? safeRedirect(to.query.redirect) : true;
    if (token.value) return true;
    return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
  });

  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · Kinflow` : 'Kinflow';
  });

  return router;
}
