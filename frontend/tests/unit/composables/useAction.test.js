import { describe, expect, it } from 'vitest'
import { useAction } from '@/composables/useAction'

describe('useAction', () => {
  it('is idle at first', () => {
    const action = useAction()
    expect(action.busy.value).toBeNull()
    expect(action.error.value).toBeNull()
  })

  it('holds the key of the running action, then returns its result', async () => {
    const action = useAction()
    let seen = null
    const result = await action.run('7:approve', async () => {
      seen = action.busy.value
      return 'done'
    })
    expect(seen).toBe('7:approve')
    expect(result).toBe('done')
    expect(action.busy.value).toBeNull()
  })

  it('keeps a failure as the error instead of throwing it', async () => {
    const action = useAction()
    const boom = new Error('Not allowed')
    await expect(
      action.run(3, async () => {
        throw boom
      }),
    ).resolves.toBeUndefined()
    expect(action.error.value).toBe(boom)
    expect(action.busy.value).toBeNull()
  })

  it('clears the last error when the next action starts', async () => {
    const action = useAction()
    await action.run('a', async () => {
      throw new Error('first')
    })
    let seen = 'unset'
    await action.run('b', async () => {
      seen = action.error.value
    })
    expect(seen).toBeNull()
    expect(action.error.value).toBeNull()
  })

  it('takes a synchronous function as well', async () => {
    const action = useAction()
    await expect(action.run('sync', () => 5)).resolves.toBe(5)
    await action.run('sync', () => {
      throw new Error('sync failure')
    })
    expect(action.error.value.message).toBe('sync failure')
  })
})
