import { onBeforeUnmount, shallowRef } from 'vue'

/**
 * The current time, ticking every `intervalMs` while the component lives: what depends on the clock
 * (a booking's start passing, enabling "Mark as done") follows it without a reload.
 */
export function useNow(intervalMs = 15_000) {
  const now = shallowRef(new Date())
  const timer = setInterval(() => {
    now.value = new Date()
  }, intervalMs)
  onBeforeUnmount(() => clearInterval(timer))
  return now
}
