import { createRouter, createWebHistory } from 'vue-router'
import { useAuthStore } from '@/stores/auth'
import HomeView from '@/views/public/HomeView.vue'

const APP_NAME = 'Household Services'

const routes = [
  // Public
  { path: '/', name: 'home', component: HomeView, meta: { title: 'Find trusted home services' } },
  {
    path: '/services/:id(\\d+)',
    name: 'service',
    component: () => import('@/views/public/ServiceView.vue'),
    meta: { title: 'Service' },
    props: true,
  },
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/public/LoginView.vue'),
    meta: { title: 'Log in', guestOnly: true },
  },
  {
    path: '/register/customer',
    name: 'register-customer',
    component: () => import('@/views/public/RegisterCustomerView.vue'),
    meta: { title: 'Create a customer account', guestOnly: true },
  },
  {
    path: '/professionals/:id(\\d+)',
    name: 'professional-public',
    component: () => import('@/views/public/PublicProfileView.vue'),
    meta: { title: 'Professional' },
    props: true,
  },
  {
    path: '/forgot-password',
    name: 'forgot-password',
    component: () => import('@/views/public/ForgotPasswordView.vue'),
    meta: { title: 'Forgot password' },
  },
  {
    path: '/reset-password',
    name: 'reset-password',
    component: () => import('@/views/public/ResetPasswordView.vue'),
    meta: { title: 'Choose a new password' },
  },
  {
    path: '/contact',
    name: 'contact',
    component: () => import('@/views/public/ContactView.vue'),
    meta: { title: 'Contact us' },
  },
  {
    path: '/register/professional',
    name: 'register-professional',
    component: () => import('@/views/public/RegisterProfessionalView.vue'),
    meta: { title: 'Join as a professional', guestOnly: true },
  },

  // Any logged-in user
  {
    path: '/notifications',
    name: 'notifications',
    component: () => import('@/views/shared/NotificationsView.vue'),
    meta: { title: 'Notifications', roles: ['customer', 'professional', 'admin'] },
  },

  // Customer
  {
    path: '/customer',
    name: 'customer-home',
    component: () => import('@/views/customer/CustomerHomeView.vue'),
    meta: { title: 'Your dashboard', roles: ['customer'] },
  },
  {
    path: '/customer/requests',
    name: 'customer-requests',
    component: () => import('@/views/customer/CustomerRequestsView.vue'),
    meta: { title: 'My requests', roles: ['customer'] },
  },
  {
    path: '/customer/history',
    name: 'customer-history',
    component: () => import('@/views/customer/ServiceHistoryView.vue'),
    meta: { title: 'Service history', roles: ['customer'] },
  },
  {
    path: '/customer/profile',
    name: 'customer-profile',
    component: () => import('@/views/customer/CustomerProfileView.vue'),
    meta: { title: 'My profile', roles: ['customer'] },
  },

  // Professional
  {
    path: '/professional',
    name: 'professional-home',
    component: () => import('@/views/professional/ProfessionalDashboardView.vue'),
    meta: { title: 'Your dashboard', roles: ['professional'] },
  },
  {
    path: '/professional/requests',
    name: 'professional-requests',
    component: () => import('@/views/professional/ProfessionalRequestsView.vue'),
    meta: { title: 'Requests', roles: ['professional'] },
  },
  {
    path: '/professional/schedule',
    name: 'professional-schedule',
    component: () => import('@/views/professional/ProfessionalScheduleView.vue'),
    meta: { title: 'My schedule', roles: ['professional'] },
  },
  {
    path: '/professional/reviews',
    name: 'professional-reviews',
    component: () => import('@/views/professional/ProfessionalReviewsView.vue'),
    meta: { title: 'My reviews', roles: ['professional'] },
  },
  {
    path: '/professional/profile',
    name: 'professional-profile',
    component: () => import('@/views/professional/ProfessionalProfileView.vue'),
    meta: { title: 'My profile', roles: ['professional'] },
  },

  // Admin
  {
    path: '/admin',
    name: 'admin-home',
    component: () => import('@/views/admin/AdminDashboardView.vue'),
    meta: { title: 'Admin dashboard', roles: ['admin'] },
  },
  {
    path: '/admin/services',
    name: 'admin-services',
    component: () => import('@/views/admin/AdminServicesView.vue'),
    meta: { title: 'Services', roles: ['admin'] },
  },
  {
    path: '/admin/users',
    name: 'admin-users',
    component: () => import('@/views/admin/AdminUsersView.vue'),
    meta: { title: 'Users', roles: ['admin'] },
  },
  {
    path: '/admin/professionals/:id(\\d+)',
    name: 'admin-professional',
    component: () => import('@/views/admin/AdminProfessionalView.vue'),
    meta: { title: 'Professional review', roles: ['admin'] },
    props: true,
  },
  {
    path: '/admin/requests',
    name: 'admin-requests',
    component: () => import('@/views/admin/AdminRequestsView.vue'),
    meta: { title: 'All service requests', roles: ['admin'] },
  },
  {
    path: '/admin/reviews',
    name: 'admin-reviews',
    component: () => import('@/views/admin/AdminReviewsView.vue'),
    meta: { title: 'Reviews', roles: ['admin'] },
  },
  {
    path: '/admin/contact-messages',
    name: 'admin-contact-messages',
    component: () => import('@/views/admin/AdminContactMessagesView.vue'),
    meta: { title: 'Contact messages', roles: ['admin'] },
  },
  {
    path: '/admin/exports',
    name: 'admin-exports',
    component: () => import('@/views/admin/AdminExportsView.vue'),
    meta: { title: 'Exports', roles: ['admin'] },
  },

  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/views/public/NotFoundView.vue'),
    meta: { title: 'Page not found' },
  },
]

/** Only follow `next` when it is a path inside this app (no open redirect). */
export function safeNext(next) {
  if (typeof next !== 'string') return null
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null
  if (next.startsWith('/api/') || next.startsWith('/login')) return null
  return next
}

const router = createRouter({
  history: createWebHistory('/'),
  routes,
  scrollBehavior(to, from, saved) {
    if (saved) return saved
    if (to.hash) return { el: to.hash }
    if (to.path === from.path) return false
    return { top: 0 }
  },
})

router.beforeEach(async (to) => {
  const auth = useAuthStore()
  const roles = to.meta.roles
  await auth.ensureLoaded(Boolean(roles && roles.length))

  if (to.meta.guestOnly && auth.isLoggedIn) {
    return safeNext(to.query.next) || auth.homePath
  }
  if (roles && roles.length) {
    if (!auth.isLoggedIn) {
      return { name: 'login', query: { next: to.fullPath } }
    }
    if (!auth.hasRole(roles)) {
      // Logged in with another role: send them to their own home.
      return auth.homePath
    }
  }
  return true
})

router.afterEach((to) => {
  const title = to.meta.title
  document.title = title ? `${title} · ${APP_NAME}` : APP_NAME
})

export default router
