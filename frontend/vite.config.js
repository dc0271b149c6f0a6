import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath, URL } from 'node:url'
import { promisify } from 'node:util'
import { brotliCompress, constants as zlib, gzip } from 'node:zlib'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import purgeCSSPlugin from '@fullhuman/postcss-purgecss'
import subsetFont from 'subset-font'

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

const COLORS = '(?:primary|secondary|success|danger|warning|info|light|dark)'

/**
 * Bootstrap's and Bootstrap Icons' CSS (~300 KB) trimmed to the rules whose classes the app
 * names somewhere in index.html or src/ (PurgeCSS reads every word there). The app's own CSS
 * (main.css, the components' <style>) is left whole. Classes put together at run time
 * (`btn-${variant}`...) are kept by the safelist below: a new such class needs its pattern here.
 * Bootstrap's JavaScript is not used (modals, toasts, collapses are Vue components), so no class
 * appears that the sources don't name. Only the build is trimmed; `npm run dev` has everything.
 */
const purgeLibraryCss = purgeCSSPlugin({
  content: ['./index.html', './src/**/*.{vue,js}'],
  safelist: {
    standard: ['html', 'body', 'modal-open', /^modal-(?:sm|lg|xl)$/],
    deep: [],
    greedy: [
      new RegExp(`^(?:btn|alert|text-bg)-${COLORS}$`),
      new RegExp(`^bg-${COLORS}-subtle$`),
      new RegExp(`^text-${COLORS}-emphasis$`),
    ],
  },
  keyframes: true,
})

const PRIVATE_USE = /[\uE000-\uF8FF]|[\u{F0000}-\u{FFFFD}]/gu
const ICON_CACHE = fileURLToPath(new URL('./node_modules/.cache/household-icons/', import.meta.url))

/**
 * Bootstrap Icons' font has ~2000 glyphs (~130 KB as woff2); the app shows a few dozen. Once its CSS is
 * trimmed, the glyphs that the remaining `content:` values name are cut out of the font into a small
 * woff2 (node_modules/.cache/household-icons/<hash of it>/), and the @font-face points to that file:
 * Vite then names the font by its bytes and the CSS by its final text, so a new icon makes new names.
 */
async function subsetIconFont(root, cssFile) {
  const used = new Set()
  root.walkDecls('content', (decl) => {
    for (const ch of decl.value.match(PRIVATE_USE) ?? []) used.add(ch)
    for (const [, hex] of decl.value.matchAll(/\\([0-9a-fA-F]{4,6})/g)) used.add(String.fromCodePoint(parseInt(hex, 16)))
  })
  if (used.size === 0) throw new Error('no icon of Bootstrap Icons is used: is the CSS trimmed too much?')
  const jobs = []
  root.walkAtRules('font-face', (rule) => {
    rule.walkDecls('src', (decl) => {
      const found = decl.value.match(/url\(["']?([^"')?]+\.woff2)(?:\?[^"')]*)?["']?\)/)
      if (!found) throw new Error(`no woff2 in the icon font's src: ${decl.value}`)
      jobs.push(
        (async () => {
          const original = await readFile(resolve(dirname(cssFile), found[1]))
          const subset = await subsetFont(original, [...used].sort().join(''), { targetFormat: 'woff2' })
          const dir = join(ICON_CACHE, createHash('sha256').update(subset).digest('hex').slice(0, 16))
          await mkdir(dir, { recursive: true })
          const target = join(dir, 'bootstrap-icons.woff2')
          await writeFile(target, subset)
          const url = relative(dirname(cssFile), target).split(sep).join('/')
          decl.value = `url("${url}") format("woff2")`
        })(),
      )
    })
  })
  await Promise.all(jobs)
}

/**
 * PostCSS, on the two libraries' files only: purge; the icon font swaps in (never hides text),
 * woff2 only (every browser the app supports reads it), cut down to the icons the app shows.
 */
const libraryCss = {
  postcssPlugin: 'household:library-css',
  async OnceExit(root, helpers) {
    const file = root.source?.input.file ?? ''
    if (!/node_modules[\\/]bootstrap(?:-icons)?[\\/]/.test(file)) return
    root.walkAtRules('font-face', (rule) => {
      rule.walkDecls('font-display', (decl) => {
        decl.value = 'swap'
      })
    })
    await purgeLibraryCss.OnceExit(root, helpers)
    if (/[\\/]bootstrap-icons[\\/]/.test(file)) await subsetIconFont(root, file)
  },
}

const brotli = promisify(brotliCompress)
const gzipAsync = promisify(gzip)
const COMPRESSIBLE = /\.(?:js|mjs|css|svg|json|html|txt|xml|map)$/

/**
 * Every compressible file under assets/ is written twice more: `<name>.br` (brotli, quality 11)
 * and `<name>.gz` (gzip -9), each only when smaller than the file itself. The server
 * (household/static_assets.py) sends the one the browser accepts, so it never compresses
 * on a request. Fonts and images are compressed already and stay as they are.
 */
function precompressAssets() {
  let outDir = 'dist'
  return {
    name: 'household:precompress-assets',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir
    },
    async writeBundle(options, bundle) {
      const dir = options.dir || outDir
      const files = Object.keys(bundle).filter((name) => name.startsWith('assets/') && COMPRESSIBLE.test(name))
      await Promise.all(
        files.map(async (name) => {
          const path = join(dir, name)
          const source = await readFile(path)
          const [br, gz] = await Promise.all([
            brotli(source, {
              params: {
                [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY,
                [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
                [zlib.BROTLI_PARAM_SIZE_HINT]: source.length,
              },
            }),
            gzipAsync(source, { level: 9 }),
          ])
          if (br.length < source.length) await writeFile(`${path}.br`, br)
          if (gz.length < source.length) await writeFile(`${path}.gz`, gz)
        }),
      )
    },
  }
}

export default defineConfig(({ command }) => ({
  base: '/',
  plugins: [vue(), externalizeCssDataSvgs(), precompressAssets()],
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
  css: {
    postcss: { plugins: command === 'build' ? [libraryCss] : [] },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    // Never turn imported files into data: URLs (strict CSP friendly).
    assetsInlineLimit: 0,
    sourcemap: false,
    rolldownOptions: {
      output: {
        // What every page runs comes in two files, not eight: Vue, the router and Pinia in one, the
        // API client, the stores and the list composables in another (each also shared with the lazy
        // pages). A phone on a slow network fetches six files at a time per server: fewer means one
        // wave of requests before the first paint instead of two.
        codeSplitting: {
          groups: [
            { name: 'framework', test: /node_modules[\\/](?:@vue|vue|vue-router|pinia)[\\/]/ },
            {
              name: 'core',
              test: /src[\\/](?:api|stores)[\\/]|src[\\/]composables[\\/](?:useAsync|useRouteList)\.js|export-helper/,
            },
          ],
        },
      },
    },
  },
  // Vitest: unit tests of the composables, utils and shared components (npm run test:unit).
  test: {
    environment: 'happy-dom',
    include: ['tests/unit/**/*.test.js'],
    setupFiles: ['tests/unit/setup.js'],
  },
}))
