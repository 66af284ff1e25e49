/// <reference types="vite/client" />
/// <reference types="vite-plugin-pwa/vue" />

import 'vue-router';
import type { Component } from 'vue';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a caregiver session (sign-in, and the whole tablet kiosk). */
    public?: boolean;
    /** Which app a route belongs to; the caregiver guard and session handling apply only to `caregiver`. */
    audience?: 'caregiver' | 'tablet';
    title?: string;
    /** Shown in the caregiver navigation (bottom bar on phones, side rail on laptops). */
    nav?: { label: string; icon: Component; order: number; adminOnly?: boolean };
  }
}
