import { defineStore } from 'pinia'
import { ApiError, getCsrfToken, resetCsrf } from '@/api/client'
import { authApi } from '@/api/resources'

let loadingMe = null

// A non-secret hint that this browser has (probably) logged in. Without it, public pages
// skip GET /api/auth/me, whose 401 for anonymous visitors would otherwise be logged by the
// browser as a failed request on every visit. Protected pages always ask the server.
const HINT_KEY = 'hs.session'
function hasHint() {
  try {
    return window.localStorage.getItem(HINT_KEY) === '1'
  } catch {
    return false
  }
}
function setHint(on) {
  try {
    if (on) window.localStorage.setItem(HINT_KEY, '1')
    else window.localStorage.removeItem(HINT_KEY)
  } catch {
    // Storage disabled: every page then behaves like a protected one for this purpose.
  }
}

export const ROLE_HOME = {
  admin: '/admin',
  professional: '/professional',
  customer: '/customer',
}

/** The role that decides the home page and menus (a user normally has exactly one). */
export function primaryRole(user) {
  const roles = user?.roles || []
  if (roles.includes('admin')) return 'admin'
  if (roles.includes('professional')) return 'professional'
  if (roles.includes('customer')) return 'customer'
  return null
}

export const useAuthStore = defineStore('auth', {
  state: () => ({
    user: null,
    loaded: false,
  }),
  getters: {
    isLoggedIn: (state) => Boolean(state.user),
    role: (state) => primaryRole(state.user),
    homePath() {
      return ROLE_HOME[this.role] || '/'
    },
    hasRole: (state) => (roles) => {
      if (!roles || !roles.length) return true
      return (state.user?.roles || []).some((r) => roles.includes(r))
    },
  },
  actions: {
    /**
     * Load the current user once per page load (anonymous visitors get null).
     * @param {boolean} required the page needs a user: ask the server even without the hint.
     */
    async ensureLoaded(required = false) {
      if (this.loaded) return this.user
      if (!required && !hasHint()) return null
      if (!loadingMe) {
        loadingMe = this.refresh().finally(() => {
          loadingMe = null
        })
      }
      return loadingMe
    },
    async refresh() {
      try {
        const data = await authApi.me()
        this.user = data?.user || null
        setHint(Boolean(this.user))
      } catch (e) {
        // A 401 means anonymous. Anything else (server down...): behave as anonymous for
        // now rather than block the page; the hint stays, so the next load asks again.
        if (e instanceof ApiError && e.status === 401) setHint(false)
        this.user = null
      } finally {
        this.loaded = true
      }
      return this.user
    },
    /** Re-read the user (e.g. approval changed) without logging out on a hiccup. */
    async reloadUser() {
      try {
        const data = await authApi.me()
        if (data?.user) this.user = data.user
      } catch {
        // Keep what we have; a real 401 shows up on the next call.
      }
      return this.user
    },
    async login(email, password) {
      const data = await authApi.login(email, password)
      this.user = data?.user || null
      this.loaded = true
      setHint(true)
      // The session rotates on login: the old CSRF token is void.
      resetCsrf()
      getCsrfToken().catch(() => {})
      return this.user
    },
    async logout() {
      try {
        await authApi.logout()
      } catch {
        // Already logged out on the server side: nothing more to do.
      }
      this.clear()
    },
    /** Forget the user locally (after logout or a 401). */
    clear() {
      setHint(false)
      this.user = null
      this.loaded = true
      resetCsrf()
    },
    async updateProfile(changes) {
      const data = await authApi.updateMe(changes)
      if (data?.user) this.user = data.user
      return this.user
    },
    setUser(user) {
      this.user = user
    },
  },
})
