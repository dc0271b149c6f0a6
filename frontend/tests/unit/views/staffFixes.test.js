// Fixes from the walk-through in the staff pages: the services' empty state after a search, the rejected
// professional's way to reach the admin, and a rating said once.
import { RouterLinkStub, flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { servicesApi, summaryApi } from '@/api/resources'
import ApprovalBanner from '@/components/ApprovalBanner.vue'
import AdminServicesView from '@/views/admin/AdminServicesView.vue'
import ProfessionalDashboardView from '@/views/professional/ProfessionalDashboardView.vue'

vi.mock('@/api/resources', () => ({
  authApi: { me: vi.fn(async () => ({ user: { name: 'Ravi', roles: ['professional'], approval: 'approved' } })) },
  servicesApi: { list: vi.fn(), create: vi.fn(), update: vi.fn(), remove: vi.fn() },
  summaryApi: { get: vi.fn() },
}))
// The dashboard's charts are not what is tested here.
vi.mock('@/components/charts/SummaryCharts.vue', () => ({ default: { render: () => null } }))

const mounted = []
async function open(View, path) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/admin/services', name: 'admin-services', component: View },
      { path: '/professional', name: 'professional-home', component: View },
      { path: '/:rest(.*)*', component: { render: () => null } },
    ],
  })
  await router.push(path)
  await router.isReady()
  const w = mount(View, { global: { plugins: [router] }, attachTo: document.body })
  mounted.push(w)
  await flushPromises()
  return { w, router }
}

beforeEach(() => {
  setActivePinia(createPinia())
  servicesApi.list.mockReset()
  summaryApi.get.mockReset()
})
afterEach(() => {
  while (mounted.length) mounted.pop().unmount()
})

describe('the admin services empty state', () => {
  it('says no service matches the search, and clears it', async () => {
    servicesApi.list.mockImplementation(async ({ q }) => (q ? { items: [], total: 0 } : { items: [{ id: 1, name: 'Plumbing', price: 299, time_required: 45 }], total: 1 }))
    const { w, router } = await open(AdminServicesView, '/admin/services?q=zzz')
    const empty = w.get('[data-testid="empty-state"]')
    expect(empty.text()).toContain('No service matches “zzz”')
    expect(empty.text()).not.toContain('No services yet')
    expect(empty.text()).not.toContain('Add the first service')
    await w.get('[data-testid="services-clear-search"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({})
    expect(servicesApi.list).toHaveBeenLastCalledWith(expect.objectContaining({ q: '' }))
    expect(w.findAll('[data-testid="service-row"]')).toHaveLength(1)
    expect(w.get('[data-testid="services-search"]').element.value).toBe('')
  })

  it('invites to add the first service when there is none at all', async () => {
    servicesApi.list.mockResolvedValue({ items: [], total: 0 })
    const { w } = await open(AdminServicesView, '/admin/services')
    const empty = w.get('[data-testid="empty-state"]')
    expect(empty.text()).toContain('No services yet')
    expect(w.find('[data-testid="services-clear-search"]').exists()).toBe(false)
  })
})

describe('ApprovalBanner', () => {
  it('links a rejected professional to the contact form', () => {
    const w = mount(ApprovalBanner, { props: { approval: 'rejected' }, global: { stubs: { RouterLink: RouterLinkStub } } })
    const link = w.findAllComponents(RouterLinkStub).find((l) => l.text() === 'contact the admin')
    expect(link.props('to')).toBe('/contact')
  })
})

describe('the professional dashboard rating', () => {
  it('says "New" once for a professional nobody has rated', async () => {
    summaryApi.get.mockResolvedValue({ rating: null, reviews_count: 0, requests_by_status: {} })
    const { w } = await open(ProfessionalDashboardView, '/professional')
    const card = w.get('[data-testid="summary-rating"]')
    expect(card.text().match(/New/g)).toHaveLength(1)
    expect(card.text()).toContain('No reviews yet')
    expect(card.text()).not.toContain('0 reviews')
  })

  it('shows the rating and the number of reviews', async () => {
    summaryApi.get.mockResolvedValue({ rating: 4.5, reviews_count: 2, requests_by_status: {} })
    const { w } = await open(ProfessionalDashboardView, '/professional')
    const card = w.get('[data-testid="summary-rating"]')
    expect(card.get('[data-testid="stat-value"]').text()).toBe('4.5 / 5')
    expect(card.text()).toContain('2 reviews')
    expect(card.text()).not.toContain('New')
  })
})
