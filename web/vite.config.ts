/**
 * Builds the admin console into `web/dist` (run by `npm run build:web`, and by `prepare` on `npm ci`); `dingbridge
 * serve` serves that folder at `/` (src/http/console.ts). `npm run dev:web` proxies the API to a server on :8080.
 */
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const server = process.env.DINGBRIDGE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // antd is most of the bundle; the size is measured and reported in docs/console.md instead of warned about.
    chunkSizeWarningLimit: 2048,
  },
  server: { proxy: { '/api': server, '/openapi.json': server } },
});
