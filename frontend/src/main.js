import { createApp } from 'vue'
import { createPinia } from 'pinia'

import 'bootstrap/dist/css/bootstrap.min.css'
import 'bootstrap-icons/font/bootstrap-icons.min.css'
import './assets/main.css'

import App from './App.vue'
import router from './router'
import { onUnauthorized } from './api/client'
import { useAuthStore } from './stores/auth'
import { useNotificationsStore } from './stores/notifications'
import { useUiStore } from './stores/ui'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(router)

// A 401 anywhere (the session expired, the user was blocked...): forget the user and
// ask them to log in again, coming back to where they were.
onUnauthorized(() => {
  const auth = useAuthStore()
  const wasLoggedIn = auth.isLoggedIn
  auth.clear()
  useNotificationsStore().stop()
  const current = router.currentRoute.value
  if (current.name === 'login') return
  if (wasLoggedIn) useUiStore().setFlash('Your session has ended. Please log in again.', 'warning')
  router.replace({ name: 'login', query: { next: current.fullPath } })
})

app.mount('#app')
