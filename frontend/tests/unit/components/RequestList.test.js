import { RouterLinkStub, config, mount } from '@vue/test-utils'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ref } from 'vue'
import RequestList from '@/components/RequestList.vue'

const requests = [
  { id: 1, status: 'requested', service_name: 'Plumbing', customer_name: 'Priya' },
  { id: 2, status: 'closed', service_name: 'Cleaning', customer_name: 'Asha' },
]
const list = (items) => ({ loading: ref(false), error: ref(null), data: ref({ items, total: items.length }), load: vi.fn(), page: ref(1), perPage: 10, onPage: vi.fn() })

// The cards link to a service page when the customer has to book someone else.
beforeAll(() => {
  config.global.stubs.RouterLink = RouterLinkStub
})
afterAll(() => {
  delete config.global.stubs.RouterLink
})

describe('RequestList', () => {
  it('shows a card per request and the actions only where asked', () => {
    const w = mount(RequestList, {
      props: { list: list(requests), viewer: 'professional', hasActions: (r) => r.status === 'requested', emptyTitle: 'No requests' },
      slots: { actions: ({ request }) => `accept #${request.id}` },
    })
    const rows = w.findAll('[data-testid="request-list"] [data-testid="request-row"]')
    expect(rows.map((r) => r.attributes('data-request-id'))).toEqual(['1', '2'])
    expect(rows[0].get('[data-testid="request-actions"]').text()).toBe('accept #1')
    expect(rows[1].find('[data-testid="request-actions"]').exists()).toBe(false)
    expect(rows[0].get('[data-testid="request-customer"]').text()).toContain('Priya')
    expect(w.get('[data-testid="pagination"]').exists()).toBe(true)
  })

  it('shows no action bar by default', () => {
    const w = mount(RequestList, { props: { list: list(requests), viewer: 'admin', emptyTitle: 'No requests' }, slots: { actions: 'x' } })
    expect(w.find('[data-testid="request-actions"]').exists()).toBe(false)
  })

  it('shows its empty state and the empty slot', () => {
    const w = mount(RequestList, { props: { list: list([]), viewer: 'customer', emptyTitle: 'No requests yet', emptyIcon: 'bi-card-checklist' }, slots: { empty: 'Browse services' } })
    expect(w.get('[data-testid="empty-state"]').text()).toContain('No requests yet')
    expect(w.get('[data-testid="empty-state"] > div.mt-3').text()).toBe('Browse services')
  })
})
