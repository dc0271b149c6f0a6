// The notifications page: title and text of each, reloads when the polled list changed, mark one / all read.
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { notificationsApi } from '@/api/resources'
import { useNotificationsStore } from '@/stores/notifications'
import NotificationsView from '@/views/shared/NotificationsView.vue'

vi.mock('@/api/resources', () => ({
  notificationsApi: {
    list: vi.fn(),
    unreadCount: vi.fn(),
    markRead: vi.fn(async (id) => ({ id, read: true, read_at: '2026-12-01T00:00:00Z' })),
    markAllRead: vi.fn(async () => null),
  },
}))

const note = (id, extra = {}) => ({
  id,
  kind: 'accepted',
  title: `Booking #${id} accepted`,
  body: 'Ravi Kumar accepted your booking.',
  link: null,
  request_id: id,
  created_at: '2026-12-01T10:00:00Z',
  read: false,
  read_at: null,
  ...extra,
})

let items = []
const mounted = []
async function open() {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/notifications', name: 'notifications', component: NotificationsView }] })
  await router.push('/notifications')
  await router.isReady()
  const w = mount(NotificationsView, { global: { plugins: [router] } })
  mounted.push(w)
  await flushPromises()
  return w
}

beforeEach(() => {
  setActivePinia(createPinia())
  vi.clearAllMocks()
  items = [note(2), note(1, { read: true, read_at: '2026-12-01T09:00:00Z' })]
  notificationsApi.list.mockImplementation(async () => ({ items, total: items.length }))
})
afterEach(() => {
  while (mounted.length) mounted.pop().unmount()
})

describe('NotificationsView', () => {
  it('shows the title and text, unread first marked', async () => {
    const w = await open()
    const rows = w.findAll('[data-testid="notification-item"]')
    expect(rows).toHaveLength(2)
    expect(rows[0].get('[data-testid="notification-title"]').text()).toContain('Booking #2 accepted')
    expect(rows[0].get('[data-testid="notification-body"]').text()).toContain('Ravi Kumar accepted your booking.')
    expect(rows[0].attributes('data-read')).toBe('false')
    expect(rows[1].attributes('data-read')).toBe('true')
    expect(rows[1].find('[data-testid="notification-mark-read"]').exists()).toBe(false)
  })

  it('follows new notifications without a reload', async () => {
    const w = await open()
    items = [note(3), ...items]
    useNotificationsStore().version += 1
    await flushPromises()
    expect(w.findAll('[data-testid="notification-item"]')).toHaveLength(3)
  })

  it('marks one read, then all, and the count follows', async () => {
    const store = useNotificationsStore()
    store.setUnread(2)
    items = [note(3), ...items]
    const w = await open()
    await w.get('[data-notification-id="3"] [data-testid="notification-mark-read"]').trigger('click')
    await flushPromises()
    expect(notificationsApi.markRead).toHaveBeenCalledWith(3)
    expect(w.get('[data-notification-id="3"]').attributes('data-read')).toBe('true')
    expect(store.unread).toBe(1)
    await w.get('[data-testid="notifications-mark-all"]').trigger('click')
    await flushPromises()
    expect(notificationsApi.markAllRead).toHaveBeenCalled()
    expect(w.findAll('[data-read="false"]')).toHaveLength(0)
    expect(store.unread).toBe(0)
  })
})
