import { defineStore } from 'pinia'
import { notificationsApi } from '@/api/resources'

const POLL_MS = 30_000

export const useNotificationsStore = defineStore('notifications', {
  state: () => ({
    latest: [],
    unread: 0,
    timer: null,
  }),
  actions: {
    /** Refresh the unread count (newest notifications first). */
    async poll() {
      try {
        const { items } = await notificationsApi.list({ page: 1, per_page: 100 })
        this.latest = items
        this.unread = items.filter((n) => !n.read_at).length
      } catch {
        // A failed poll keeps the last known count; a 401 is handled by the client.
      }
    },
    start() {
      if (this.timer) return
      this.poll()
      this.timer = setInterval(() => {
        if (typeof document === 'undefined' || !document.hidden) this.poll()
      }, POLL_MS)
    },
    stop() {
      if (this.timer) clearInterval(this.timer)
      this.timer = null
      this.latest = []
      this.unread = 0
    },
    /** Keep the badge in step after a change on the notifications page. */
    setUnread(n) {
      this.unread = Math.max(0, n)
    },
  },
})
