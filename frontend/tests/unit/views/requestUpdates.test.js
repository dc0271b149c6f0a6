// Pages showing requests follow the notifications: a new notification about a request (the store's
// arrivals) reloads the customer's and the professional's lists without a reload of the page.
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import { notificationsApi, requestsApi } from '@/api/resources'
import { useRequestUpdates } from '@/composables/useRequestUpdates'
import { useNotificationsStore } from '@/stores/notifications'
import CustomerRequestsView from '@/views/customer/CustomerRequestsView.vue'
import ProfessionalRequestsView from '@/views/professional/ProfessionalRequestsView.vue'

vi.mock('@/api/resources', () => ({
  authApi: { me: vi.fn(async () => ({ user: { roles: ['professional'], approval: 'approved' } })) },
  requestsApi: { list: vi.fn(), act: vi.fn(), get: vi.fn(), cancellation: vi.fn(), edit: vi.fn() },
  scheduleApi: { slots: vi.fn(async () => []) },
  notificationsApi: { list: vi.fn(), unreadCount: vi.fn(), markRead: vi.fn(), markAllRead: vi.fn() },
}))

const req = (id, status) => ({
  id,
  status,
  service_id: 3,
  service_name: 'Plumbing',
  customer_name: 'Asha Rao',
  professional_name: 'Ravi Kumar',
  professional_id: 7,
  date_of_request: '2026-12-01T10:30:00+05:30',
  end_time: '2026-12-01T11:15:00+05:30',
  price: 299,
})
const note = (id, request_id) => ({ id, kind: 'accepted', title: 'Accepted', body: '', link: null, request_id, created_at: '2026-12-01T00:00:00Z', read: false })

let status = 'requested'
const mounted = []
async function open(View, path) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/professional/requests', name: 'professional-requests', component: View },
      { path: '/customer/requests', name: 'customer-requests', component: View },
      { path: '/', name: 'home', component: { render: () => null } },
    ],
  })
  await router.push(path)
  await router.isReady()
  const w = mount(View, { global: { plugins: [router] } })
  mounted.push(w)
  await flushPromises()
  return w
}

/** The store's first poll (no arrival), then a poll that brings `fresh` notifications. */
async function arrive(store, fresh) {
  notificationsApi.unreadCount.mockResolvedValueOnce({ count: 0 })
  notificationsApi.list.mockResolvedValueOnce({ items: [], total: 0 })
  await store.poll()
  notificationsApi.unreadCount.mockResolvedValueOnce({ count: fresh.length })
  notificationsApi.list.mockResolvedValueOnce({ items: fresh, total: fresh.length })
  await store.poll()
  await flushPromises()
}

beforeEach(() => {
  setActivePinia(createPinia())
  vi.clearAllMocks()
  status = 'requested'
  requestsApi.list.mockImplementation(async () => ({ items: [req(1, status)], total: 1 }))
})
afterEach(() => {
  while (mounted.length) mounted.pop().unmount()
})

describe('pages showing requests follow new notifications', () => {
  it("the customer's list shows an accepted booking without a reload", async () => {
    const w = await open(CustomerRequestsView, '/customer/requests')
    expect(w.get('[data-testid="request-row"]').attributes('data-status')).toBe('requested')
    status = 'assigned'
    await arrive(useNotificationsStore(), [note(5, 1)])
    expect(w.get('[data-testid="request-row"]').attributes('data-status')).toBe('assigned')
  })

  it("the professional's list reloads on a notification about a request", async () => {
    await open(ProfessionalRequestsView, '/professional/requests')
    const before = requestsApi.list.mock.calls.length
    await arrive(useNotificationsStore(), [note(6, 2)])
    expect(requestsApi.list.mock.calls.length).toBe(before + 1)
  })

  it('a notification about no request reloads nothing', async () => {
    await open(CustomerRequestsView, '/customer/requests')
    const before = requestsApi.list.mock.calls.length
    await arrive(useNotificationsStore(), [note(7, null)])
    expect(requestsApi.list.mock.calls.length).toBe(before)
  })
})

describe('useRequestUpdates', () => {
  it('hands over the request ids, filtered by `concerns`, and stops with the component', async () => {
    const seen = []
    const Probe = defineComponent({
      setup() {
        useRequestUpdates((ids) => seen.push(ids), { concerns: (ids) => !ids.includes(99) })
        return () => h('div')
      },
    })
    const w = mount(Probe)
    const store = useNotificationsStore()
    store.arrivals = { seq: 1, ids: [1], requestIds: [4, 5] }
    await flushPromises()
    store.arrivals = { seq: 2, ids: [2], requestIds: [99] }
    await flushPromises()
    expect(seen).toEqual([[4, 5]])
    w.unmount()
    store.arrivals = { seq: 3, ids: [3], requestIds: [6] }
    await flushPromises()
    expect(seen).toEqual([[4, 5]])
  })
})
