import js from '@eslint/js'
import pluginVue from 'eslint-plugin-vue'
import globals from 'globals'

export default [
  { ignores: ['dist/**'] },
  js.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  // The templates are laid out by hand (a component call often reads best on one line), so the
  // plugin's layout rules are off, as its own `no-layout-rules` set does; every other rule stays.
  pluginVue.configs['no-layout-rules'],
  {
    files: ['**/*.{js,vue}'],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: { ...globals.browser },
    },
  },
  {
    // Config files and the unit tests run in Node (the tests with a DOM from happy-dom on top).
    files: ['*.config.js', 'tests/**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
]
