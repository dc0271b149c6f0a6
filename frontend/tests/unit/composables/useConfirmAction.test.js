import { describe, expect, it, vi } from 'vitest'
import { useConfirmAction } from '@/composables/useConfirmAction'

function deferred() {
  let resolve
  let reject
  const promise = new Promise((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

describe('useConfirmAction', () => {
  it('starts closed, idle and without a target', () => {
    const c = useConfirmAction(vi.fn())
    expect(c.open.value).toBe(false)
    expect(c.busy.value).toBe(false)
    expect(c.error.value).toBeNull()
    expect(c.target.value).toBeNull()
  })

  it('ask() opens the confirmation for one target without acting', () => {
    const action = vi.fn()
    const c = useConfirmAction(action)
    const request = { id: 12 }
    c.ask(request)
    expect(c.open.value).toBe(true)
    expect(c.target.value).toBe(request)
    expect(action).not.toHaveBeenCalled()
  })

  it('confirm() acts on the target while busy, then closes', async () => {
    const call = deferred()
    const action = vi.fn(() => call.promise)
    const c = useConfirmAction(action)
    c.ask({ id: 12 })
    const done = c.confirm()
    expect(action).toHaveBeenCalledWith({ id: 12 })
    expect(c.busy.value).toBe(true)
    expect(c.open.value).toBe(true)
    call.resolve()
    await done
    expect(c.busy.value).toBe(false)
    expect(c.open.value).toBe(false)
    expect(c.error.value).toBeNull()
  })

  it('stays open with the error when the action fails, so the user can retry', async () => {
    const boom = new Error('Already assigned')
    const action = vi.fn().mockRejectedValueOnce(boom).mockResolvedValueOnce(undefined)
    const c = useConfirmAction(action)
    c.ask({ id: 3 })
    await c.confirm()
    expect(c.open.value).toBe(true)
    expect(c.busy.value).toBe(false)
    expect(c.error.value).toBe(boom)
    await c.confirm()
    expect(c.error.value).toBeNull()
    expect(c.open.value).toBe(false)
    expect(action).toHaveBeenCalledTimes(2)
  })

  it('runs the action once however often confirm() is pressed while it runs', async () => {
    const call = deferred()
    const action = vi.fn(() => call.promise)
    const c = useConfirmAction(action)
    c.ask({ id: 1 })
    const first = c.confirm()
    await c.confirm()
    call.resolve()
    await first
    expect(action).toHaveBeenCalledTimes(1)
  })

  it('cannot be closed while busy, and can be closed otherwise', async () => {
    const call = deferred()
    const c = useConfirmAction(() => call.promise)
    c.ask({ id: 1 })
    const done = c.confirm()
    c.close()
    expect(c.open.value).toBe(true)
    call.reject(new Error('nope'))
    await done
    c.close()
    expect(c.open.value).toBe(false)
  })

  it('a new ask() forgets the error of the last one', async () => {
    const c = useConfirmAction(async () => {
      throw new Error('failed')
    })
    c.ask({ id: 1 })
    await c.confirm()
    c.close()
    c.ask({ id: 2 })
    expect(c.error.value).toBeNull()
    expect(c.target.value).toEqual({ id: 2 })
  })
})
