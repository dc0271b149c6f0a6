import { computed, watch } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { useAsync } from './useAsync'

/**
 * A paginated list whose page (and optional status filter) live in the URL query,
 * so that every filtered page can be bookmarked and the back button works.
 *
 * @param {(params: object) => Promise<{items: any[], total: number}>} fetcher
 */
export function useRouteList(fetcher, { perPage = 10, defaultStatus = 'all', statuses = null, extra = null } = {}) {
  const route = useRoute()
  const router = useRouter()
  const ownRoute = route.name

  const status = computed(() => {
    const s = route.query.status
    return typeof s === 'string' && (!statuses || statuses.includes(s)) ? s : defaultStatus
  })
  const page = computed(() => Math.max(1, Number.parseInt(route.query.page, 10) || 1))

  const state = useAsync(
    () =>
      fetcher({
        ...(extra ? extra() : {}),
        status: status.value === 'all' ? undefined : status.value,
        page: page.value,
        per_page: perPage,
      }),
    { initial: { items: [], total: 0 } },
  )

  watch(
    () => [status.value, page.value, extra ? JSON.stringify(extra()) : ''],
    () => {
      // Ignore the query change of the route we are leaving.
      if (route.name === ownRoute) state.load()
    },
    { immediate: true },
  )

  function onPage(p) {
    router.push({ query: { ...route.query, page: p > 1 ? String(p) : undefined } })
  }

  /** Put an updated row in place (after accept, close...). */
  function replace(item) {
    const current = state.data.value
    state.data.value = {
      ...current,
      items: current.items.map((i) => (i.id === item.id ? { ...i, ...item } : i)),
    }
  }

  /**
   * After an action changed an item's status: the item shows its new status at once, and the list
   * does not keep it in a tab it no longer belongs to. In a tab of its new status (or "all") the list
   * is refreshed in place; otherwise the tab of its new status is shown (the item is there), or, when
   * there is no such tab, the current one is refreshed without it.
   */
  async function settle(item) {
    replace(item)
    const next = item?.status
    if (status.value !== 'all' && status.value !== next && next && (!statuses || statuses.includes(next))) {
      await router.push({ query: { ...route.query, status: next === defaultStatus ? undefined : next, page: undefined } })
      return
    }
    const result = await state.refresh()
    // The last item of the last page left it: show the page before.
    if (result && !result.items.length && page.value > 1) onPage(page.value - 1)
  }

  return { ...state, status, page, perPage, onPage, replace, settle }
}
