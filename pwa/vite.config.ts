import vue from '@vitejs/plugin-vue';
import { defineConfig, type ProxyOptions } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

const THEME_COLOR = '#0f6e63';
const API = 'http://localhost:4000';

// The API shares the app's origin in production; in development Vite forwards it to the server.
const proxy: Record<string, ProxyOptions> = {
  '/graphql': { target: API, ws: true, changeOrigin: true },
  '/v1': { target: API, changeOrigin: true },
  '/healthz': { target: API, changeOrigin: true },
  '/media': { target: API, changeOrigin: true },
};

export default defineConfig({
  plugins: [
    vue(),
    VitePWA({
      // A kiosk must not reload under a senior's finger: new versions wait until the app applies them.
      registerType: 'prompt',
      injectRegister: false,
      includeAssets: ['icon.svg', 'apple-touch-icon.png'],
      manifest: {
        id: '/',
        name: 'Kinflow',
        short_name: 'Kinflow',
        description: 'Flows for connected homes and care: alerts, check-ins and announcements.',
        lang: 'en',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'any',
        theme_color: THEME_COLOR,
        background_color: '#f5f6f4',
        icons: [
          { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: 'icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        navigateFallback: 'index.html',
        // These are served by the API, never by the app shell, even when the network is down.
        navigateFallbackDenylist: [/^\/graphql/, /^\/v1(\/|$)/, /^\/healthz/, /^\/openapi/, /^\/media\//],
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  server: { port: 5173, proxy },
  preview: { port: 4173, proxy },
  // The manifest lets scripts/route-sizes.mjs report each route's size after the build.
  build: { target: 'es2022', sourcemap: true, manifest: true },
});
