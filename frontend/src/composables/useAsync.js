import { ref, shallowRef } from 'vue'

/**
 * Loading / error / data state for one data view. `load()` ignores the answers of
 * superseded calls, so quick filter changes never show stale data.
 */
export function useAsync(loader, { initial = null } = {}) {
  const data = shallowRef(initial)
  const loading = ref(false)
  const error = shallowRef(null)
  let seq = 0

  async function load(...args) {
    const mine = ++seq
    loading.value = true
    error.value = null
    try {
      const result = await loader(...args)
      if (mine === seq) data.value = result
      return result
    } catch (e) {
      if (mine === seq) error.value = e
      return undefined
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  /**
   * Load again without the loading state: what is shown stays until the new answer replaces it (after
   * an action, say). A failure keeps what is shown; it is returned as undefined.
   */
  async function refresh(...args) {
    const mine = ++seq
    try {
      const result = await loader(...args)
      if (mine === seq) {
        data.value = result
        error.value = null
      }
      return result
    } catch {
      return undefined
    } finally {
      // A refresh that overtook a load() ends its loading state too.
      if (mine === seq) loading.value = false
    }
  }

  return { data, loading, error, load, refresh }
}
