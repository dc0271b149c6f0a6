import { watch } from 'vue'
import { useNotificationsStore } from '@/stores/notifications'

/**
 * Call `onUpdate(requestIds)` when new notifications about service requests arrive (the notifications store
 * polls them): a page showing requests reloads them, so that a booking accepted, moved or cancelled by the
 * other party shows its new state without a reload. Each user's notifications only concern their own requests;
 * with `concerns(requestIds)` a page can still ignore those it does not care about.
 */
export function useRequestUpdates(onUpdate, { concerns = null } = {}) {
  const store = useNotificationsStore()
  return watch(
    () => store.arrivals.seq,
    () => {
      const ids = store.arrivals.requestIds || []
      if (!ids.length) return
      if (concerns && !concerns(ids)) return
      onUpdate(ids)
    },
  )
}
