// The professional's document after a reload: the user object (GET /api/auth/me) says what is on file.
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { authApi } from '@/api/resources'
import ProfessionalProfileView from '@/views/professional/ProfessionalProfileView.vue'

vi.mock('@/api/resources', () => ({
  authApi: { me: vi.fn(), updateMe: vi.fn(), changePassword: vi.fn() },
  professionalsApi: { uploadDocument: vi.fn(), documentUrl: (id) => `/api/professionals/${id}/document` },
}))

const PRO = {
  id: 5,
  name: 'Ravi Kumar',
  email: 'ravi@example.com',
  roles: ['professional'],
  approval: 'pending',
  professional_id: 7,
  service_name: 'Plumbing',
  description: 'Pipes.',
  pin_code: '560034',
  experience_years: 4,
}

async function open() {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: ProfessionalProfileView }] })
  await router.push('/professional/profile')
  await router.isReady()
  const w = mount(ProfessionalProfileView, { global: { plugins: [router] } })
  await flushPromises()
  return w
}

beforeEach(() => {
  setActivePinia(createPinia())
  authApi.me.mockReset()
})

describe('ProfessionalProfileView document', () => {
  it('shows the uploaded document from the user object after a reload', async () => {
    authApi.me.mockResolvedValue({
      user: { ...PRO, has_document: true, document_name: 'trade-licence.pdf', document_size: 204800, document_content_type: 'application/pdf', document_uploaded_at: '2026-11-30T06:00:00Z' },
    })
    const w = await open()
    const status = w.get('[data-testid="document-status"]')
    expect(status.attributes('data-has-document')).toBe('true')
    expect(w.get('[data-testid="document-name"]').text()).toBe('trade-licence.pdf')
    expect(status.text()).toContain('200 KB')
    expect(status.text()).toContain('30 Nov 2026, 11:30 IST')
    expect(w.get('[data-testid="document-view"]').attributes('href')).toBe('/api/professionals/7/document')
    // The pending banner knows it too.
    expect(w.get('[data-testid="approval-banner"]').text()).toContain('Your document has been received.')
  })

  it('says none is uploaded when the user object says so', async () => {
    authApi.me.mockResolvedValue({ user: { ...PRO, has_document: false, document_name: null } })
    const w = await open()
    expect(w.get('[data-testid="document-status"]').attributes('data-has-document')).toBe('false')
    expect(w.get('[data-testid="document-status"]').text()).toContain('No document uploaded yet.')
  })
})
