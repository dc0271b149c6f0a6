import { ref, shallowRef } from 'vue'

/**
 * Busy state and error for the actions a view starts from its buttons (accept, block, mark as read...).
 * `busy` holds the key of the running action, so a view can put the spinner on the right button
 * and disable the others; a failure lands in `error` instead of escaping the click handler.
 */
export function useAction() {
  const busy = ref(null)
  const error = shallowRef(null)

  async function run(key, fn) {
    busy.value = key
    error.value = null
    try {
      return await fn()
    } catch (e) {
      error.value = e
      return undefined
    } finally {
      busy.value = null
    }
  }

  return { busy, error, run }
}
