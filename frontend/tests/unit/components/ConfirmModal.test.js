import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import ConfirmModal from '@/components/ConfirmModal.vue'
import { useConfirmAction } from '@/composables/useConfirmAction'

const mounted = []
function show(action, props = {}) {
  const w = mount(ConfirmModal, { props: { action, title: 'Cancel request #4?', message: 'This cannot be undone.', confirmLabel: 'Cancel request', cancelLabel: 'Keep it', ...props }, attachTo: document.body })
  mounted.push(w)
  return w
}
const $ = (testid) => document.body.querySelector(`[data-testid="${testid}"]`)

afterEach(() => {
  while (mounted.length) mounted.pop().unmount()
})

describe('ConfirmModal with useConfirmAction', () => {
  it('is not shown until asked', () => {
    show(useConfirmAction(vi.fn()))
    expect($('confirm-modal')).toBeNull()
  })

  it('is a labelled dialog with the texts given', async () => {
    const action = useConfirmAction(vi.fn())
    show(action)
    action.ask({ id: 4 })
    await flushPromises()
    const dialog = $('confirm-modal')
    expect(dialog.getAttribute('role')).toBe('dialog')
    expect(dialog.getAttribute('aria-modal')).toBe('true')
    expect(document.getElementById(dialog.getAttribute('aria-labelledby')).textContent).toBe('Cancel request #4?')
    expect(dialog.textContent).toContain('This cannot be undone.')
    expect($('confirm-ok').textContent.trim()).toBe('Cancel request')
    expect($('confirm-dismiss').textContent.trim()).toBe('Keep it')
  })

  it('acts on the target when confirmed and closes', async () => {
    const act = vi.fn(async () => {})
    const action = useConfirmAction(act)
    show(action)
    action.ask({ id: 4 })
    await flushPromises()
    $('confirm-ok').click()
    await flushPromises()
    expect(act).toHaveBeenCalledWith({ id: 4 })
    expect($('confirm-modal')).toBeNull()
  })

  it('shows the failure inside the dialog and keeps it open', async () => {
    const action = useConfirmAction(async () => {
      throw new Error('This request was already accepted.')
    })
    show(action)
    action.ask({ id: 4 })
    await flushPromises()
    $('confirm-ok').click()
    await flushPromises()
    expect($('confirm-modal')).not.toBeNull()
    expect($('confirm-error').getAttribute('role')).toBe('alert')
    expect($('confirm-error').textContent.trim()).toBe('This request was already accepted.')
  })

  it('disables both buttons and shows a spinner while acting', async () => {
    let finish
    const action = useConfirmAction(() => new Promise((resolve) => (finish = resolve)))
    show(action)
    action.ask({ id: 4 })
    await flushPromises()
    $('confirm-ok').click()
    await flushPromises()
    expect($('confirm-ok').disabled).toBe(true)
    expect($('confirm-dismiss').disabled).toBe(true)
    expect($('confirm-ok').querySelector('.spinner-border')).not.toBeNull()
    finish()
    await flushPromises()
    expect($('confirm-modal')).toBeNull()
  })

  it('closes without acting when dismissed', async () => {
    const act = vi.fn()
    const action = useConfirmAction(act)
    show(action)
    action.ask({ id: 4 })
    await flushPromises()
    $('confirm-dismiss').click()
    await flushPromises()
    expect($('confirm-modal')).toBeNull()
    expect(act).not.toHaveBeenCalled()
  })

  it('shows block content under the message, and keeps the confirm button waiting when asked', async () => {
    const act = vi.fn()
    const action = useConfirmAction(act)
    const w = mount(ConfirmModal, {
      props: { action, message: 'Sure?', confirmDisabled: true },
      slots: { details: '<div data-testid="cancel-preview">Cancelling is free</div>' },
      attachTo: document.body,
    })
    mounted.push(w)
    action.ask({ id: 4 })
    await flushPromises()
    expect($('cancel-preview').textContent).toBe('Cancelling is free')
    expect($('confirm-ok').disabled).toBe(true)
    expect($('confirm-dismiss').disabled).toBe(false)
    await w.setProps({ confirmDisabled: false })
    $('confirm-ok').click()
    await flushPromises()
    expect(act).toHaveBeenCalledWith({ id: 4 })
  })

  describe('after a server error', () => {
    async function failOnce() {
      let fail
      const action = useConfirmAction(() => new Promise((_resolve, reject) => (fail = reject)))
      show(action)
      action.ask({ id: 4 })
      await flushPromises()
      $('confirm-ok').click()
      await flushPromises()
      // As a browser does with a focused button that gets disabled, the focus leaves the dialog.
      const outside = document.createElement('button')
      document.body.appendChild(outside)
      outside.focus()
      expect($('confirm-modal').contains(document.activeElement)).toBe(false)
      fail(new Error('The server had a problem.'))
      await flushPromises()
      expect($('confirm-error').textContent).toContain('The server had a problem.')
      return action
    }

    it('brings the focus back inside the dialog', async () => {
      await failOnce()
      expect($('confirm-modal').contains(document.activeElement)).toBe(true)
      expect(document.activeElement).toBe($('confirm-ok'))
    })

    it('still closes on Escape, wherever the focus is', async () => {
      await failOnce()
      document.activeElement.blur()
      document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
      await flushPromises()
      expect($('confirm-modal')).toBeNull()
    })

    it('does not close on Escape while waiting for the server', async () => {
      const action = useConfirmAction(() => new Promise(() => {}))
      show(action)
      action.ask({ id: 4 })
      await flushPromises()
      $('confirm-ok').click()
      await flushPromises()
      document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
      await flushPromises()
      expect($('confirm-modal')).not.toBeNull()
    })
  })

  it('closes only the topmost of two open dialogs on Escape', async () => {
    const first = useConfirmAction(vi.fn())
    const second = useConfirmAction(vi.fn())
    show(first, { title: 'First' })
    show(second, { title: 'Second' })
    first.ask({ id: 1 })
    await flushPromises()
    second.ask({ id: 2 })
    await flushPromises()
    expect(first.open.value).toBe(true)
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    await flushPromises()
    expect(second.open.value).toBe(false)
    expect(first.open.value).toBe(true)
  })
})
