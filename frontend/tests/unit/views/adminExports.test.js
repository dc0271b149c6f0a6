// The export screen: an "all statuses" choice, and the recent exports listed by date and by who asked.
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { api } from '@/api/client'
import { exportsApi } from '@/api/resources'
import AdminExportsView from '@/views/admin/AdminExportsView.vue'

vi.mock('@/api/resources', () => ({
  exportsApi: { start: vi.fn(), status: vi.fn() },
  usersApi: { list: vi.fn(async () => ({ items: [{ id: 3, name: 'Ravi Kumar', email: 'ravi@example.com', professional_id: 7 }], total: 1 })) },
}))
vi.mock('@/api/client', () => ({ api: { list: vi.fn() } }))

const JOB_ID = 'a3f1c2d4e5b60718293a4b5c6d7e8f90'
const done = {
  job_id: JOB_ID,
  state: 'done',
  progress: 100,
  rows: 12,
  download_url: `/api/exports/${JOB_ID}/download`,
  filters: { status: null, professional_id: 7, date_from: null, date_to: null },
  created_at: '2026-11-30T13:00:00Z',
  requested_by: { id: 1, name: 'Admin' },
}

const mounted = []
async function open(path = '/admin/exports') {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/admin/exports', name: 'admin-exports', component: AdminExportsView }] })
  await router.push(path)
  await router.isReady()
  const w = mount(AdminExportsView, { global: { plugins: [router] } })
  mounted.push(w)
  await flushPromises()
  return w
}

beforeEach(() => {
  setActivePinia(createPinia())
  api.list.mockReset()
  api.list.mockResolvedValue({ items: [done], total: 1 })
  exportsApi.start.mockReset()
  exportsApi.status.mockReset()
})
afterEach(() => {
  while (mounted.length) mounted.pop().unmount()
})

describe('AdminExportsView', () => {
  it('lists the recent exports with their date in India time and who asked, not their id', async () => {
    const w = await open()
    expect(api.list).toHaveBeenCalledWith('/exports', { page: 1, per_page: 10 })
    const item = w.get('[data-testid="export-recent-item"]')
    expect(item.get('[data-testid="export-recent-date"]').text()).toBe('30 Nov 2026, 18:30 IST')
    expect(item.get('[data-testid="export-recent-by"]').text()).toBe('Admin')
    expect(item.get('[data-testid="export-recent-filters"]').text()).toContain('All statuses · Ravi Kumar · any date · 12 rows')
    expect(item.get('[data-testid="export-recent-download"]').attributes('href')).toBe(`/api/exports/${JOB_ID}/download`)
    expect(w.text()).not.toContain(JOB_ID)
  })

  it('offers "All statuses" and sends it as "all"', async () => {
    exportsApi.start.mockResolvedValue({ job_id: JOB_ID })
    exportsApi.status.mockResolvedValue(done)
    const w = await open()
    const select = w.get('[data-testid="export-status"]')
    expect(select.element.value).toBe('closed')
    expect(select.findAll('option')[0].text()).toBe('All statuses')
    await select.setValue('all')
    await w.get('[data-testid="export-form"]').trigger('submit')
    await flushPromises()
    expect(exportsApi.start).toHaveBeenCalledWith({ status: 'all' })
    expect(w.get('[data-testid="export-state"]').text()).toContain('Export of 30 Nov 2026, 18:30 IST by Admin')
    expect(w.get('[data-testid="export-state"]').text()).not.toContain(JOB_ID)
  })
})
