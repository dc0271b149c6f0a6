import { describe, expect, it } from 'vitest'
import { useAsync } from '@/composables/useAsync'

function deferred() {
  let resolve
  let reject
  const promise = new Promise((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

describe('useAsync', () => {
  it('starts idle with the initial data', () => {
    const state = useAsync(async () => 1, { initial: { items: [] } })
    expect(state.data.value).toEqual({ items: [] })
    expect(state.loading.value).toBe(false)
    expect(state.error.value).toBeNull()
  })

  it('is loading while the call runs, then holds its answer', async () => {
    const call = deferred()
    const state = useAsync(() => call.promise)
    const done = state.load()
    expect(state.loading.value).toBe(true)
    call.resolve('answer')
    await expect(done).resolves.toBe('answer')
    expect(state.data.value).toBe('answer')
    expect(state.loading.value).toBe(false)
  })

  it('passes its arguments to the loader', async () => {
    const state = useAsync(async (a, b) => a + b)
    await state.load(2, 3)
    expect(state.data.value).toBe(5)
  })

  it('keeps a failure as the error, keeps the old data and returns undefined', async () => {
    const boom = new Error('boom')
    let fail = false
    const state = useAsync(async () => {
      if (fail) throw boom
      return 'first'
    })
    await state.load()
    fail = true
    await expect(state.load()).resolves.toBeUndefined()
    expect(state.error.value).toBe(boom)
    expect(state.data.value).toBe('first')
    expect(state.loading.value).toBe(false)
  })

  it('clears the error when loading again', async () => {
    let fail = true
    const state = useAsync(async () => {
      if (fail) throw new Error('boom')
      return 'ok'
    })
    await state.load()
    fail = false
    const again = state.load()
    expect(state.error.value).toBeNull()
    await again
    expect(state.data.value).toBe('ok')
  })

  it('ignores the answer of a call that a newer one superseded', async () => {
    const slow = deferred()
    const fast = deferred()
    const calls = [slow, fast]
    const state = useAsync(() => calls.shift().promise)
    const first = state.load()
    const second = state.load()
    fast.resolve('new')
    await second
    expect(state.data.value).toBe('new')
    expect(state.loading.value).toBe(false)
    slow.resolve('old')
    await first
    expect(state.data.value).toBe('new')
  })

  it('stays loading until the newest call ends, and ignores an older failure', async () => {
    const slow = deferred()
    const fast = deferred()
    const calls = [slow, fast]
    const state = useAsync(() => calls.shift().promise)
    const first = state.load()
    const second = state.load()
    slow.reject(new Error('stale'))
    await first
    expect(state.error.value).toBeNull()
    expect(state.loading.value).toBe(true)
    fast.resolve('fresh')
    await second
    expect(state.loading.value).toBe(false)
    expect(state.data.value).toBe('fresh')
  })

  it('refresh() replaces the data without the loading state, and keeps it on failure', async () => {
    let answer = 'first'
    const state = useAsync(async () => {
      if (answer instanceof Error) throw answer
      return answer
    })
    await state.load()
    answer = 'second'
    const done = state.refresh()
    expect(state.loading.value).toBe(false)
    await expect(done).resolves.toBe('second')
    expect(state.data.value).toBe('second')
    answer = new Error('offline')
    await expect(state.refresh()).resolves.toBeUndefined()
    expect(state.data.value).toBe('second')
    expect(state.error.value).toBeNull()
  })

  it('refresh() overtakes a running load(), which then neither lands nor keeps the spinner', async () => {
    const slow = deferred()
    let calls = 0
    const state = useAsync(() => (++calls === 1 ? slow.promise : Promise.resolve('fresh')))
    const loading = state.load()
    expect(state.loading.value).toBe(true)
    await state.refresh()
    expect(state.loading.value).toBe(false)
    slow.resolve('stale')
    await loading
    expect(state.data.value).toBe('fresh')
  })
})
