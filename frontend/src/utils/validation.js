/**
 * Front-end checks that mirror the server's rules. The server stays the judge:
 * its field errors are shown the same way.
 */
export const PIN_RE = /^[1-9][0-9]{5}$/
// Same rule as the server: spaces, dashes and brackets are ignored; +91, 91 or 0 may lead.
export const PHONE_RE = /^(\+?91|0)?[6-9]\d{9}$/
// Deliberately loose: one @, something on each side, a dot in the domain.
export const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export const LIMITS = {
  nameMin: 2,
  nameMax: 100,
  passwordMin: 8,
  passwordMax: 128,
  experienceMax: 60,
  descriptionMax: 2000,
  addressMax: 300,
  locationMax: 100,
  remarksMax: 1000,
  reviewMax: 1000,
  serviceNameMax: 100,
  documentMaxBytes: 5 * 1024 * 1024,
}

export const DOCUMENT_TYPES = ['application/pdf', 'image/png', 'image/jpeg']

const str = (v) => (v === null || v === undefined ? '' : String(v))

export const rules = {
  required: (label) => (v) => (str(v).trim() ? null : `${label} is required.`),
  email: () => (v) => (!str(v).trim() || EMAIL_RE.test(str(v).trim()) ? null : 'Enter a valid email address.'),
  password: () => (v) => {
    const s = str(v)
    if (s.length < LIMITS.passwordMin) return `Use at least ${LIMITS.passwordMin} characters.`
    if (s.length > LIMITS.passwordMax) return `Use at most ${LIMITS.passwordMax} characters.`
    return null
  },
  name: () => (v) => {
    const s = str(v).trim()
    if (s.length < LIMITS.nameMin) return `Name must be at least ${LIMITS.nameMin} characters.`
    if (s.length > LIMITS.nameMax) return `Name must be at most ${LIMITS.nameMax} characters.`
    return null
  },
  phone: () => (v) =>
    PHONE_RE.test(str(v).replace(/[\s\-()]/g, '')) ? null : 'Enter a 10-digit mobile number (optionally starting with +91).',
  pinCode: ({ optional = false } = {}) => (v) => {
    const s = str(v).trim()
    if (!s && optional) return null
    return PIN_RE.test(s) ? null : 'Enter a 6-digit PIN code (it cannot start with 0).'
  },
  maxLength: (max, label = 'This field') => (v) =>
    str(v).length > max ? `${label} must be at most ${max} characters.` : null,
  integerBetween: (min, max, label) => (v) => {
    const s = str(v).trim()
    if (!/^\d+$/.test(s)) return `${label} must be a whole number.`
    const n = Number(s)
    return n < min || n > max ? `${label} must be between ${min} and ${max}.` : null
  },
}

/** The checks of the account fields every registration asks for (components/AccountFields.vue). */
export const accountRules = () => ({
  name: [rules.name()],
  email: [rules.required('Email'), rules.email()],
  phone: [rules.required('Phone'), rules.phone()],
  password: [rules.password()],
})

/**
 * Run a {field: [rule, ...]} map over values. Returns {field: [message]} for the failures.
 */
export function validate(values, schema) {
  const errors = {}
  for (const [field, checks] of Object.entries(schema)) {
    for (const check of checks) {
      const message = check(values[field])
      if (message) {
        errors[field] = [message]
        break
      }
    }
  }
  return errors
}
