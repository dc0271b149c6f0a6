import { defineStore } from 'pinia'
import { notificationsApi } from '@/api/resources'
import { createVisibilityPoller } from '@/composables/visibilityPoller'

export const POLL_MS = 30_000
const POLL_KEY = 'hs.pollMs'
const LATEST_SIZE = 20

/**
 * How often the unread count is polled: 30 s, unless a test set `window.__HS_POLL_MS__` or the
 * `hs.pollMs` localStorage key (never below half a second).
 */
export function pollInterval() {
  let raw
  try {
    raw = window.__HS_POLL_MS__ ?? window.localStorage.getItem(POLL_KEY)
  } catch {
    raw = undefined
  }
  const ms = Number(raw)
  return raw !== undefined && raw !== null && raw !== '' && Number.isFinite(ms) && ms >= 500 ? ms : POLL_MS
}

/** Read or not, whichever field the server sent (`read`, or the older `read_at`). */
export const isRead = (n) => (typeof n?.read === 'boolean' ? n.read : Boolean(n?.read_at))

let poller = null

export const useNotificationsStore = defineStore('notifications', {
  state: () => ({
    /** The newest notifications (first page), newest first. */
    latest: [],
    /** How many are unread (from GET /api/notifications/unread-count). */
    unread: 0,
    /** The count and the newest list have been read at least once since login. */
    loaded: false,
    /** Bumped whenever `latest` changed on the server's side: lists of notifications reload. */
    version: 0,
    /**
     * The notifications that arrived with the last change ({seq, ids, requestIds}): pages that show
     * one of `requestIds` reload it. `seq` grows with every arrival.
     */
    arrivals: { seq: 0, ids: [], requestIds: [] },
    /** The highest notification id seen so far. */
    maxId: 0,
  }),
  actions: {
    /** The cheap poll: the unread count, then the newest notifications when the count moved. */
    async poll() {
      let count
      try {
        count = (await notificationsApi.unreadCount())?.count
      } catch {
        // A failed poll keeps the last known count; a 401 is handled by the client.
        return
      }
      if (!Number.isFinite(count)) return
      const changed = !this.loaded || count !== this.unread
      this.unread = Math.max(0, count)
      if (changed) await this.refreshLatest()
    },
    /** Read the newest notifications; those not seen before become an arrival. */
    async refreshLatest() {
      let items
      try {
        ;({ items } = await notificationsApi.list({ page: 1, per_page: LATEST_SIZE }))
      } catch {
        return
      }
      const wasLoaded = this.loaded
      const fresh = items.filter((n) => n.id > this.maxId)
      this.latest = items
      this.loaded = true
      this.maxId = items.reduce((max, n) => Math.max(max, n.id), this.maxId)
      if (wasLoaded && fresh.length) {
        this.arrivals = {
          seq: this.arrivals.seq + 1,
          ids: fresh.map((n) => n.id),
          requestIds: [...new Set(fresh.map((n) => n.request_id).filter((id) => id !== null && id !== undefined))],
        }
      }
      this.version += 1
    },
    /** Poll every 30 s while the tab is visible (and at once when it comes back). */
    start() {
      if (poller?.isRunning()) return
      poller = createVisibilityPoller(() => this.poll(), { interval: pollInterval })
      poller.start()
    },
    stop() {
      poller?.stop()
      poller = null
      this.$reset()
    },
    /** Poll now (e.g. after the user did something that tells the other party). */
    pollNow() {
      return this.poll()
    },
    async markRead(id) {
      const updated = await notificationsApi.markRead(id)
      const before = this.latest.find((n) => n.id === id)
      const wasUnread = before ? !isRead(before) : true
      this.latest = this.latest.map((n) => (n.id === id ? { ...n, read: true, read_at: n.read_at || new Date().toISOString() } : n))
      if (wasUnread) this.unread = Math.max(0, this.unread - 1)
      return updated
    },
    async markAllRead() {
      await notificationsApi.markAllRead()
      const now = new Date().toISOString()
      this.latest = this.latest.map((n) => ({ ...n, read: true, read_at: n.read_at || now }))
      this.unread = 0
    },
    /** Keep the badge in step after a change on the notifications page. */
    setUnread(n) {
      this.unread = Math.max(0, n)
    },
  },
})
