import { defineStore } from 'pinia'

let nextId = 1

/** Short-lived messages ("Request cancelled") and one message carried to the next page. */
export const useUiStore = defineStore('ui', {
  state: () => ({
    toasts: [],
    flash: null,
  }),
  actions: {
    toast(text, variant = 'success', timeout = 5000) {
      const id = nextId++
      this.toasts.push({ id, text, variant })
      if (timeout) setTimeout(() => this.dismiss(id), timeout)
      return id
    },
    dismiss(id) {
      this.toasts = this.toasts.filter((t) => t.id !== id)
    },
    setFlash(text, variant = 'info') {
      this.flash = { text, variant }
    },
    /** Read the carried message once. */
    takeFlash() {
      const f = this.flash
      this.flash = null
      return f
    },
  },
})
