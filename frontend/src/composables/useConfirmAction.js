import { computed, ref, shallowRef } from 'vue'
import { useAction } from './useAction'

/**
 * Confirm, then act: `ask(target)` opens the confirmation for one target, `confirm()` runs
 * `action(target)` while `busy`. Success closes the dialog; a failure keeps it open with the
 * error, so the user can try again or back out. Pair it with <ConfirmModal :action="...">.
 */
export function useConfirmAction(action) {
  const open = ref(false)
  const target = shallowRef(null)
  const runner = useAction()
  const busy = computed(() => runner.busy.value !== null)

  function ask(item) {
    target.value = item
    runner.error.value = null
    open.value = true
  }

  async function confirm() {
    // The button is disabled while busy, but a second Enter can land before the re-render.
    if (busy.value) return
    await runner.run('confirm', async () => {
      await action(target.value)
      open.value = false
    })
  }

  function close() {
    if (!busy.value) open.value = false
  }

  return { open, target, busy, error: runner.error, ask, confirm, close }
}
