// The notifications store: the cheap count first, the list only when the count moved, arrivals with
// the requests they concern, mark read / read all, and the poll interval tests may lower.
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { notificationsApi } from '@/api/resources'
import { POLL_MS, isRead, pollInterval, useNotificationsStore } from '@/stores/notifications'

vi.mock('@/api/resources', () => ({
  notificationsApi: {
    list: vi.fn(),
    unreadCount: vi.fn(),
    markRead: vi.fn(async (id) => ({ id, read: true })),
    markAllRead: vi.fn(async () => null),
  },
}))

const note = (id, extra = {}) => ({
  id,
  kind: 'accepted',
  title: `Note ${id}`,
  body: 'Body',
  link: '/customer/requests',
  request_id: null,
  created_at: '2026-12-01T10:00:00Z',
  read: false,
  ...extra,
})

describe('notifications store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.clearAllMocks()
  })
  afterEach(() => {
    delete window.__HS_POLL_MS__
    window.localStorage.removeItem('hs.pollMs')
  })

  it('reads the count, and the list on the first poll', async () => {
    notificationsApi.unreadCount.mockResolvedValue({ count: 2 })
    notificationsApi.list.mockResolvedValue({ items: [note(2), note(1)], total: 2 })
    const store = useNotificationsStore()
    await store.poll()
    expect(store.unread).toBe(2)
    expect(store.latest.map((n) => n.id)).toEqual([2, 1])
    expect(store.version).toBe(1)
    // The first load is no arrival: nothing new happened while we were watching.
    expect(store.arrivals.seq).toBe(0)
  })

  it('does not read the list again while the count stays', async () => {
    notificationsApi.unreadCount.mockResolvedValue({ count: 1 })
    notificationsApi.list.mockResolvedValue({ items: [note(1)], total: 1 })
    const store = useNotificationsStore()
    await store.poll()
    await store.poll()
    await store.poll()
    expect(notificationsApi.unreadCount).toHaveBeenCalledTimes(3)
    expect(notificationsApi.list).toHaveBeenCalledTimes(1)
  })

  it('turns new notifications into an arrival with their requests', async () => {
    notificationsApi.unreadCount.mockResolvedValueOnce({ count: 1 })
    notificationsApi.list.mockResolvedValueOnce({ items: [note(1, { request_id: 7 })], total: 1 })
    const store = useNotificationsStore()
    await store.poll()
    notificationsApi.unreadCount.mockResolvedValueOnce({ count: 3 })
    notificationsApi.list.mockResolvedValueOnce({
      items: [note(3, { request_id: 9 }), note(2, { request_id: null, kind: 'approved' }), note(1, { request_id: 7 })],
      total: 3,
    })
    await store.poll()
    expect(store.unread).toBe(3)
    expect(store.arrivals).toEqual({ seq: 1, ids: [3, 2], requestIds: [9] })
    expect(store.version).toBe(2)
  })

  it('keeps the last count when a poll fails', async () => {
    notificationsApi.unreadCount.mockResolvedValueOnce({ count: 4 })
    notificationsApi.list.mockResolvedValueOnce({ items: [], total: 0 })
    const store = useNotificationsStore()
    await store.poll()
    notificationsApi.unreadCount.mockRejectedValueOnce(new Error('down'))
    await store.poll()
    expect(store.unread).toBe(4)
  })

  it('marks one read and all read', async () => {
    notificationsApi.unreadCount.mockResolvedValue({ count: 2 })
    notificationsApi.list.mockResolvedValue({ items: [note(2), note(1)], total: 2 })
    const store = useNotificationsStore()
    await store.poll()
    await store.markRead(2)
    expect(notificationsApi.markRead).toHaveBeenCalledWith(2)
    expect(store.unread).toBe(1)
    expect(isRead(store.latest[0])).toBe(true)
    await store.markAllRead()
    expect(notificationsApi.markAllRead).toHaveBeenCalled()
    expect(store.unread).toBe(0)
    expect(store.latest.every(isRead)).toBe(true)
  })

  it('forgets everything on stop', async () => {
    notificationsApi.unreadCount.mockResolvedValue({ count: 2 })
    notificationsApi.list.mockResolvedValue({ items: [note(2)], total: 1 })
    const store = useNotificationsStore()
    store.start()
    await vi.waitFor(() => expect(store.unread).toBe(2))
    store.stop()
    expect(store.unread).toBe(0)
    expect(store.latest).toEqual([])
  })

  it('polls every 30 s unless a test lowered it', () => {
    expect(pollInterval()).toBe(POLL_MS)
    window.localStorage.setItem('hs.pollMs', '1000')
    expect(pollInterval()).toBe(1000)
    window.__HS_POLL_MS__ = 750
    expect(pollInterval()).toBe(750)
    window.__HS_POLL_MS__ = 10 // too often: ignored
    expect(pollInterval()).toBe(POLL_MS)
  })

  it('reads both shapes of "read"', () => {
    expect(isRead({ read: true })).toBe(true)
    expect(isRead({ read: false, read_at: 'x' })).toBe(false)
    expect(isRead({ read_at: '2026-01-01' })).toBe(true)
    expect(isRead({})).toBe(false)
  })
})
