import { createHash } from 'node:crypto'
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const API_TARGET = process.env.VITE_API_TARGET || 'http://127.0.0.1:5000'

/**
 * Bootstrap's CSS draws a few icons (select chevrons, check marks, the navbar toggler,
 * the close button...) with `data:` SVG URLs. A production CSP with `img-src 'self'`
 * would block them, so in the build they are written out as real files under assets/.
 */
function externalizeCssDataSvgs() {
  const DATA_SVG = /url\((?:"data:image\/svg\+xml,([^"]*)"|'data:image\/svg\+xml,([^']*)')\)/g
  return {
    name: 'household:externalize-css-data-svgs',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const emitted = new Set()
      for (const file of Object.values(bundle)) {
        if (file.type !== 'asset' || !file.fileName.endsWith('.css')) continue
        const css = typeof file.source === 'string' ? file.source : new TextDecoder().decode(file.source)
        file.source = css.replace(DATA_SVG, (_match, doubleQuoted, singleQuoted) => {
          const svg = decodeURIComponent(doubleQuoted ?? singleQuoted)
          const name = `icon-${createHash('sha256').update(svg).digest('hex').slice(0, 10)}.svg`
          if (!emitted.has(name)) {
            emitted.add(name)
            this.emitFile({ type: 'asset', fileName: `assets/${name}`, source: svg })
          }
          // The CSS file itself lives in assets/, so a bare name resolves next to it.
          return `url("${name}")`
        })
      }
    },
  }
}

export default defineConfig({
  base: '/',
  plugins: [vue(), externalizeCssDataSvgs()],
  resolve: {
    alias: {
      '@': fileURLToPath(new URL('./src', import.meta.url)),
    },
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: API_TARGET, changeOrigin: false },
    },
  },
  preview: {
    port: 4173,
    proxy: {
      '/api': { target: API_TARGET, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    // Never turn imported files into data: URLs (strict CSP friendly).
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  // Vitest: unit tests of the composables, utils and shared components (npm run test:unit).
  test: {
    environment: 'happy-dom',
    include: ['tests/unit/**/*.test.js'],
    setupFiles: ['tests/unit/setup.js'],
  },
})
