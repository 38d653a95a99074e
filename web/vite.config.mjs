// The web console's bundle: two pages (the public calendar at `/`, the desk at `/console`),
// built by scripts/build.mjs into dist/web, which the API serves. Assets are content-hashed.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const here = import.meta.dirname;

export default defineConfig({
  root: here,
  base: '/',
  publicDir: false,
  build: {
    target: 'es2022',
    // No inline bootstrap script: the pages' CSP allows scripts from 'self' only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rollupOptions: { input: { index: resolve(here, 'index.html'), console: resolve(here, 'console.html') } },
  },
});
