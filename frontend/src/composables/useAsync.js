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

  return { data, loading, error, load }
}
