import { defineConfig } from 'vite';

// The dashboard is served by the API at /admin (apps/api/src/admin-ui); everything, the base
// map included, is bundled so it works offline and under a CSP without inline scripts.
export default defineConfig({
  root: import.meta.dirname,
  base: '/admin/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // The TopoJSON base maps are large by nature; they are split into their own chunks.
    chunkSizeWarningLimit: 1200,
  },
});
