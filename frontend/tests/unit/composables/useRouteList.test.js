import { flushPromises, mount } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { defineComponent, ref } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import { useRouteList } from '@/composables/useRouteList'

const Blank = { render: () => null }

/** Mount a component using useRouteList at `path`; returns the list, the router and the fetcher. */
async function setup(path, options = {}, answer = { items: [], total: 0 }) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/list', name: 'list', component: Blank },
      { path: '/elsewhere', name: 'elsewhere', component: Blank },
    ],
  })
  await router.push(path)
  await router.isReady()
  const fetcher = vi.fn(async () => (typeof answer === 'function' ? answer() : answer))
  let list
  const Host = defineComponent({
    setup() {
      list = useRouteList(fetcher, options)
      return () => null
    },
  })
  const wrapper = mount(Host, { global: { plugins: [router] } })
  await flushPromises()
  return { list, router, fetcher, wrapper }
}

describe('useRouteList', () => {
  it('loads the first page of every status at once', async () => {
    const { list, fetcher } = await setup('/list', { perPage: 20 }, { items: [{ id: 1 }], total: 1 })
    expect(fetcher).toHaveBeenCalledTimes(1)
    expect(fetcher).toHaveBeenCalledWith({ status: undefined, page: 1, per_page: 20 })
    expect(list.status.value).toBe('all')
    expect(list.page.value).toBe(1)
    expect(list.perPage).toBe(20)
    expect(list.data.value).toEqual({ items: [{ id: 1 }], total: 1 })
    expect(list.loading.value).toBe(false)
  })

  it('reads the status and the page from the URL', async () => {
    const { list, fetcher } = await setup('/list?status=closed&page=3', { statuses: ['all', 'closed'] })
    expect(list.status.value).toBe('closed')
    expect(list.page.value).toBe(3)
    expect(fetcher).toHaveBeenCalledWith({ status: 'closed', page: 3, per_page: 10 })
  })

  it('falls back to the default status for one it does not know', async () => {
    const { list, fetcher } = await setup('/list?status=archived', { statuses: ['requested', 'all'], defaultStatus: 'requested' })
    expect(list.status.value).toBe('requested')
    expect(fetcher).toHaveBeenCalledWith({ status: 'requested', page: 1, per_page: 10 })
  })

  it('ignores a status given twice', async () => {
    const { list } = await setup('/list?status=closed&status=requested', { statuses: ['all', 'closed', 'requested'] })
    expect(list.status.value).toBe('all')
  })

  it.each([
    ['0', 1],
    ['-4', 1],
    ['abc', 1],
    ['', 1],
    ['2.9', 2],
    ['12', 12],
  ])('reads ?page=%s as page %i', async (raw, page) => {
    const { list } = await setup(`/list?page=${raw}`)
    expect(list.page.value).toBe(page)
  })

  it('adds the extra filters to the call and reloads when they change', async () => {
    const q = ref('tap')
    const { fetcher } = await setup('/list', { extra: () => ({ q: q.value }) })
    expect(fetcher).toHaveBeenLastCalledWith({ q: 'tap', status: undefined, page: 1, per_page: 10 })
    q.value = 'sink'
    await flushPromises()
    expect(fetcher).toHaveBeenCalledTimes(2)
    expect(fetcher).toHaveBeenLastCalledWith({ q: 'sink', status: undefined, page: 1, per_page: 10 })
  })

  it('reloads when the page in the URL changes', async () => {
    const { router, fetcher } = await setup('/list')
    await router.push('/list?page=2')
    await flushPromises()
    expect(fetcher).toHaveBeenCalledTimes(2)
    expect(fetcher).toHaveBeenLastCalledWith({ status: undefined, page: 2, per_page: 10 })
  })

  it('does not load for the query of the page being left', async () => {
    const { router, fetcher } = await setup('/list')
    await router.push('/elsewhere?page=5')
    await flushPromises()
    expect(fetcher).toHaveBeenCalledTimes(1)
  })

  it('onPage() puts the page in the URL and keeps the rest of the query', async () => {
    const { list, router } = await setup('/list?status=closed', { statuses: ['all', 'closed'] })
    list.onPage(3)
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ status: 'closed', page: '3' })
    list.onPage(1)
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ status: 'closed' })
  })

  it('replace() updates one row in place and leaves the others', async () => {
    const { list } = await setup('/list', {}, { items: [{ id: 1, status: 'requested', name: 'a' }, { id: 2, status: 'requested' }], total: 2 })
    list.replace({ id: 1, status: 'assigned' })
    expect(list.data.value).toEqual({ items: [{ id: 1, status: 'assigned', name: 'a' }, { id: 2, status: 'requested' }], total: 2 })
    list.replace({ id: 9, status: 'closed' })
    expect(list.data.value.items.map((r) => r.id)).toEqual([1, 2])
  })

  it('keeps a failed load as the error and retries with load()', async () => {
    let fail = true
    const { list } = await setup('/list', {}, () => {
      if (fail) throw new Error('offline')
      return { items: [{ id: 1 }], total: 1 }
    })
    expect(list.error.value.message).toBe('offline')
    expect(list.data.value).toEqual({ items: [], total: 0 })
    fail = false
    await list.load()
    expect(list.error.value).toBeNull()
    expect(list.data.value.total).toBe(1)
  })

  describe('settle() after an action', () => {
    const STATUSES = ['requested', 'assigned', 'closed', 'all']

    it('shows the tab of the new status when the item leaves the current one', async () => {
      const { list, router, fetcher } = await setup('/list', { statuses: STATUSES, defaultStatus: 'requested' }, { items: [{ id: 1, status: 'requested' }], total: 1 })
      const done = list.settle({ id: 1, status: 'assigned' })
      // The row shows its new status at once...
      expect(list.data.value.items[0].status).toBe('assigned')
      await done
      await flushPromises()
      // ...and the list follows it to its new tab, which is loaded.
      expect(router.currentRoute.value.query).toEqual({ status: 'assigned' })
      expect(fetcher).toHaveBeenLastCalledWith({ status: 'assigned', page: 1, per_page: 10 })
    })

    it('goes back to the default tab without a status in the URL, from any page', async () => {
      const { list, router } = await setup('/list?status=assigned&page=2', { statuses: STATUSES, defaultStatus: 'requested' }, { items: [{ id: 1, status: 'assigned' }], total: 11 })
      await list.settle({ id: 1, status: 'requested' })
      await flushPromises()
      expect(router.currentRoute.value.query).toEqual({})
    })

    it('refreshes in place in "all" without showing the spinner', async () => {
      let answer = { items: [{ id: 1, status: 'requested' }], total: 1 }
      const { list, router, fetcher } = await setup('/list', { statuses: STATUSES }, () => answer)
      answer = { items: [{ id: 1, status: 'assigned', fresh: true }], total: 1 }
      const done = list.settle({ id: 1, status: 'assigned' })
      expect(list.loading.value).toBe(false)
      await done
      expect(fetcher).toHaveBeenCalledTimes(2)
      expect(router.currentRoute.value.query).toEqual({})
      expect(list.data.value.items).toEqual([{ id: 1, status: 'assigned', fresh: true }])
    })

    it('refreshes the current tab when there is no tab for the new status', async () => {
      let answer = { items: [{ id: 1, status: 'requested' }], total: 1 }
      const { list, router } = await setup('/list?status=requested', { statuses: STATUSES }, () => answer)
      answer = { items: [], total: 0 }
      await list.settle({ id: 1, status: 'expired' })
      expect(router.currentRoute.value.query).toEqual({ status: 'requested' })
      expect(list.data.value.items).toEqual([])
    })

    it('shows the page before when the refreshed page is empty', async () => {
      let answer = { items: [{ id: 11, status: 'assigned' }], total: 11 }
      const { list, router } = await setup('/list?page=2', { statuses: STATUSES }, () => answer)
      answer = { items: [], total: 10 }
      await list.settle({ id: 11, status: 'assigned' })
      await flushPromises()
      expect(router.currentRoute.value.query).toEqual({})
    })

    it('keeps what is shown when the refresh fails', async () => {
      let fail = false
      const { list } = await setup('/list', {}, () => {
        if (fail) throw new Error('offline')
        return { items: [{ id: 1, status: 'requested' }], total: 1 }
      })
      fail = true
      await list.settle({ id: 1, status: 'assigned' })
      expect(list.error.value).toBeNull()
      expect(list.data.value.items).toEqual([{ id: 1, status: 'assigned' }])
    })
  })
})
