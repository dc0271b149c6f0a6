import { mount } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { ref } from 'vue'
import PagedList from '@/components/PagedList.vue'

function listOf({ loading = false, error = null, items = [], total = items.length, page = 1, perPage = 10 } = {}) {
  return {
    loading: ref(loading),
    error: ref(error),
    data: ref({ items, total }),
    load: vi.fn(),
    page: ref(page),
    perPage,
    onPage: vi.fn(),
  }
}

const props = { loadingLabel: 'Loading users…', emptyTitle: 'No users yet', emptyText: 'They appear here.', emptyIcon: 'bi-people', pagesLabel: 'User pages' }
const rows = { default: ({ items }) => items.map((u) => `<${u.name}>`).join('') }

describe('PagedList', () => {
  it('shows only the spinner, with its label, while loading', () => {
    const w = mount(PagedList, { props: { ...props, list: listOf({ loading: true, items: [{ name: 'a' }] }) }, slots: rows })
    expect(w.get('[data-testid="loading"]').text()).toBe('Loading users…')
    expect(w.get('[role="status"]').exists()).toBe(true)
    expect(w.find('[data-testid="error-alert"]').exists()).toBe(false)
    expect(w.text()).not.toContain('<a>')
  })

  it('shows the error with a retry that loads again', async () => {
    const list = listOf({ error: { status: 500, message: 'The server had a problem.' } })
    const w = mount(PagedList, { props: { ...props, list }, slots: rows })
    const alert = w.get('[data-testid="error-alert"]')
    expect(alert.attributes('role')).toBe('alert')
    expect(alert.text()).toContain('The server had a problem.')
    await alert.get('button').trigger('click')
    expect(list.load).toHaveBeenCalledTimes(1)
    expect(w.find('[data-testid="empty-state"]').exists()).toBe(false)
  })

  it('shows the empty state without an actions row when no actions are given', () => {
    const w = mount(PagedList, { props: { ...props, list: listOf() }, slots: rows })
    const empty = w.get('[data-testid="empty-state"]')
    expect(empty.text()).toContain('No users yet')
    expect(empty.text()).toContain('They appear here.')
    expect(empty.get('i').classes()).toContain('bi-people')
    expect(empty.find('div.mt-3').exists()).toBe(false)
    expect(w.find('[data-testid="pagination"]').exists()).toBe(false)
  })

  it('puts the empty slot under the empty state', () => {
    const w = mount(PagedList, { props: { ...props, list: listOf() }, slots: { ...rows, empty: '<a href="/">Browse services</a>' } })
    expect(w.get('[data-testid="empty-state"] > div.mt-3').text()).toBe('Browse services')
  })

  it('gives the rows to the slot and pages through the list', async () => {
    const list = listOf({ items: [{ name: 'a' }, { name: 'b' }], total: 25, page: 2 })
    const w = mount(PagedList, { props: { ...props, list }, slots: rows })
    expect(w.text()).toContain('<a><b>')
    expect(w.get('[data-testid="pagination-summary"]').text()).toBe('Showing 11–20 of 25')
    expect(w.get('nav').attributes('aria-label')).toBe('User pages')
    await w.get('[data-testid="page-3"]').trigger('click')
    expect(list.onPage).toHaveBeenCalledWith(3)
  })
})
