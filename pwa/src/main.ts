import urql from '@urql/vue';
import type { Client } from '@urql/core';
import { createApp, shallowRef, watch } from 'vue';
import App from './App.vue';
import { createKinflowRouter } from './router';
import { signOut, token, watchOtherTabs } from './shared/auth/session';
import { createKinflowClient, type KinflowClient } from './shared/graphql/client';
import './shared/styles/tokens.css';
import './shared/styles/base.css';

const router = createKinflowRouter();

function onUnauthenticated(): void {
  // Several requests can fail at once; only the first one ends the session.
  if (!token.value) return;
  signOut();
  const here = router.currentRoute.value;
  if (here.meta.public || here.meta.audience === 'tablet') return;
  void router.replace({ name: 'login', query: { reason: 'expired', redirect: here.fullPath } });
}

let session: KinflowClient = createKinflowClient({ getToken: () => token.value, onUnauthenticated });
const client = shallowRef<Client>(session.client);

// A new session gets a new client: nothing cached for one person is shown to the next.
watch(
  token,
  () => {
    session.dispose();
    session = createKinflowClient({ getToken: () => token.value, onUnauthenticated });
    client.value = session.client;
  },
  { flush: 'sync' },
);

watchOtherTabs((current) => {
  const here = router.currentRoute.value;
  if (here.meta.audience === 'tablet') return;
  if (!current && !here.meta.public) void router.replace({ name: 'login' });
  if (current && here.name === 'login') void router.replace('/');
});

createApp(App).use(router).use(urql, client).mount('#app');
