import { reactive, ref } from 'vue'
import { ApiError } from '@/api/client'

/**
 * Per-form state: field errors (from the front-end checks or the server), one general
 * message for the alert, and a submitting flag.
 *
 * @param {string[]} fieldNames the fields this form shows; server errors about other
 *   fields go into the general message so that none is lost.
 */
export function useForm(fieldNames = []) {
  const errors = reactive({})
  const message = ref('')
  const submitting = ref(false)

  function clear() {
    for (const key of Object.keys(errors)) delete errors[key]
    message.value = ''
  }

  function setErrors(fields) {
    for (const key of Object.keys(errors)) delete errors[key]
    const extra = []
    for (const [field, msgs] of Object.entries(fields || {})) {
      const list = Array.isArray(msgs) ? msgs.map(String) : [String(msgs)]
      if (fieldNames.includes(field)) errors[field] = list
      else extra.push(field === '_schema' || field === '_general' ? list.join(' ') : `${field}: ${list.join(' ')}`)
    }
    return extra
  }

  function handleError(error) {
    if (error instanceof ApiError) {
      const extra = setErrors(error.fields)
      message.value = [error.message, ...extra].filter(Boolean).join(' ')
    } else {
      message.value = 'Something unexpected went wrong. Please try again.'
      // Keep the details for whoever debugs, without breaking the page.
      console.error(error)
    }
  }

  /** Client-side errors: returns true when the form may be sent. */
  function check(clientErrors) {
    clear()
    setErrors(clientErrors)
    if (Object.keys(clientErrors).length) {
      message.value = 'Please correct the highlighted fields.'
      return false
    }
    return true
  }

  /** Run an async submit with the flag set and errors routed to the right place. */
  async function run(fn) {
    submitting.value = true
    message.value = ''
    try {
      return await fn()
    } catch (e) {
      handleError(e)
      return undefined
    } finally {
      submitting.value = false
    }
  }

  const invalid = (field) => Boolean(errors[field]?.length)
  const feedback = (field) => (errors[field] || []).join(' ')

  return { errors, message, submitting, clear, setErrors, handleError, check, run, invalid, feedback }
}
