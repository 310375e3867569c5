import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** Svelte options shared by the Vite build and svelte-check. */
export default {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
};
