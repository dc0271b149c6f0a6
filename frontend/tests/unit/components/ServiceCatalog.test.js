// The catalogue's loading state: the first one holds a screen's height (nothing below it jumps when the
// services arrive, the home page's layout shift), a later one (a search) does not.
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import ServiceCatalog from '@/components/ServiceCatalog.vue'
import { servicesApi } from '@/api/resources'

vi.mock('@/api/resources', () => ({ servicesApi: { list: vi.fn() } }))

const service = (id, name) => ({ id, name, description: '', price: 499, time_required: 60 })

function deferred() {
  let resolve
  const promise = new Promise((r) => {
    resolve = r
  })
  return { promise, resolve }
}

async function mountCatalog() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'home', component: { render: () => null } },
      { path: '/services/:id', name: 'service', component: { render: () => null } },
    ],
  })
  await router.push('/')
  await router.isReady()
  const w = mount(ServiceCatalog, { global: { plugins: [router] } })
  return { w, router }
}

describe('ServiceCatalog loading', () => {
  beforeEach(() => vi.clearAllMocks())
  afterEach(() => vi.useRealTimers())

  it('keeps a screen of room while the first answer loads, and not on a later search', async () => {
    const first = deferred()
    servicesApi.list.mockReturnValueOnce(first.promise)
    const { w, router } = await mountCatalog()

    const spinner = w.get('[data-testid="loading"]')
    expect(spinner.classes()).toContain('catalog-first-load')

    first.resolve({ items: [service(1, 'Plumbing Repair'), service(2, 'Home Deep Cleaning')], total: 2 })
    await flushPromises()
    expect(w.find('[data-testid="loading"]').exists()).toBe(false)
    expect(w.text()).toContain('Plumbing Repair')

    const second = deferred()
    servicesApi.list.mockReturnValueOnce(second.promise)
    await router.push({ query: { q: 'plumb' } })
    await flushPromises()
    const again = w.get('[data-testid="loading"]')
    expect(again.classes()).not.toContain('catalog-first-load')
    second.resolve({ items: [service(1, 'Plumbing Repair')], total: 1 })
    await flushPromises()
    expect(w.find('[data-testid="loading"]').exists()).toBe(false)
  })

  it('asks for the numbers its cards show, most booked first', async () => {
    servicesApi.list.mockResolvedValueOnce({ items: [service(1, 'Plumbing Repair')], total: 1 })
    await mountCatalog()
    await flushPromises()
    expect(servicesApi.list).toHaveBeenCalledWith(expect.objectContaining({ include: 'numbers', sort: 'popular' }))
  })

  it('shows a few of a long category on the home page, and all of it once chosen', async () => {
    const cleaning = Array.from({ length: 11 }, (_, k) => service(k + 1, `Cleaning ${k + 1}`))
    const items = [...cleaning, service(50, 'Plumbing Repair')]
    servicesApi.list.mockResolvedValue({ items, total: items.length })
    const { w, router } = await mountCatalog()
    await flushPromises()
    const row = () => w.get('[data-testid="category-section"][data-category="cleaning"]')
    expect(row().findAll('[data-testid="service-card"]')).toHaveLength(8)
    const more = row().get('[data-testid="category-more"]')
    expect(more.text()).toBe('See all 11 in Cleaning & pest control')
    expect(w.get('[data-testid="category-section"][data-category="plumbing"]').find('[data-testid="category-more"]').exists()).toBe(false)
    await more.trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.query.category).toBe('cleaning')
    expect(row().findAll('[data-testid="service-card"]')).toHaveLength(11)
    expect(w.find('[data-testid="category-more"]').exists()).toBe(false)
  })

  it('renders the first row with the answer and the others in the tasks after it', async () => {
    const names = ['Plumbing Repair', 'Pipe Leak Fix', 'Home Deep Cleaning', 'Sofa Cleaning', 'AC Service', 'Fridge Repair', 'Fan Installation', 'Switch Repair']
    const items = names.map((name, k) => service(k + 1, name))
    servicesApi.list.mockResolvedValue({ items, total: items.length })
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { w } = await mountCatalog()
    await flushPromises()
    const sections = () => w.findAll('[data-testid="category-section"]')
    expect(sections().map((s) => s.attributes('data-category'))).toEqual(['plumbing', 'cleaning', 'appliances', 'electrical'])
    expect(sections().map((s) => s.findAll('[data-testid="service-card"]').length)).toEqual([2, 0, 0, 0])
    expect(w.findAll('.category-row-pending')).toHaveLength(3)
    vi.advanceTimersToNextTimer()
    await flushPromises()
    expect(sections().map((s) => s.findAll('[data-testid="service-card"]').length)).toEqual([2, 2, 0, 0])
    vi.runAllTimers()
    await flushPromises()
    expect(w.findAll('[data-testid="service-card"]')).toHaveLength(8)
    expect(w.find('.category-row-pending').exists()).toBe(false)
  })
})
