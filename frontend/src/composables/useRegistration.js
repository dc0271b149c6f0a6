import { reactive } from 'vue'
import { useRouter } from 'vue-router'
import { useForm } from './useForm'
import { useAuthStore } from '@/stores/auth'
import { useUiStore } from '@/stores/ui'
import { accountRules, validate } from '@/utils/validation'

/**
 * A registration form: the account fields (name, email, phone, password) plus the role's own.
 * `submit()` checks them, sends `register(payload)`, then logs the new account in and goes to
 * `landing()`. The account exists even when that login fails, so the login page says so then.
 *
 * @param {object} options
 * @param {object} options.fields the role's own fields with their initial values
 * @param {object} options.rules the role's own checks, {field: [rule, ...]}
 * @param {(form: object) => object} options.payload the role's own part of the request body
 * @param {(payload: object) => Promise<unknown>} options.register the API call
 * @param {() => string|object} options.landing where the new user goes once logged in
 * @param {string} options.welcome the toast once logged in
 * @param {string} options.loginFlash the login page's message when the login after registering failed
 */
export function useRegistration({ fields, rules, payload, register, landing, welcome, loginFlash }) {
  const auth = useAuthStore()
  const ui = useUiStore()
  const router = useRouter()
  const form = reactive({ name: '', email: '', phone: '', password: '', ...fields })
  const f = useForm(Object.keys(form))

  async function submit() {
    if (!f.check(validate(form, { ...accountRules(), ...rules }))) return
    const body = {
      name: form.name.trim(),
      email: form.email.trim(),
      phone: form.phone.trim(),
      password: form.password,
      ...payload(form),
    }
    await f.run(async () => {
      await register(body)
      try {
        await auth.login(body.email, body.password)
      } catch {
        ui.setFlash(loginFlash, 'success')
        await router.replace({ name: 'login' })
        return
      }
      ui.toast(welcome)
      await router.replace(landing())
    })
  }

  return { form, f, submit }
}
