import { describe, expect, it } from 'vitest'
import { EMAIL_RE, LIMITS, PHONE_RE, PIN_RE, accountRules, rules, validate } from '@/utils/validation'

const chars = (n, c = 'a') => c.repeat(n)

describe('rules.required', () => {
  const check = rules.required('Email')

  it.each([undefined, null, '', '   ', '\t\n'])('refuses %j', (value) => {
    expect(check(value)).toBe('Email is required.')
  })

  it.each(['x', ' x ', 0, '0'])('accepts %j', (value) => {
    expect(check(value)).toBeNull()
  })
})

describe('rules.email', () => {
  const check = rules.email()

  it('leaves an empty value to rules.required', () => {
    expect(check('')).toBeNull()
    expect(check('   ')).toBeNull()
    expect(check(null)).toBeNull()
  })

  it.each(['priya@example.com', ' priya@example.com ', 'a.b+c@mail.example.co.in'])('accepts %j', (value) => {
    expect(check(value)).toBeNull()
  })

  it.each(['priya', 'priya@', '@example.com', 'priya@example', 'pri ya@example.com', 'priya@exa mple.com', 'a@@b.co'])(
    'refuses %j',
    (value) => {
      expect(check(value)).toBe('Enter a valid email address.')
    },
  )

  it('is the same pattern that EMAIL_RE exports', () => {
    expect(EMAIL_RE.test('a@b.co')).toBe(true)
    expect(EMAIL_RE.test('a@b')).toBe(false)
  })
})

describe('rules.password', () => {
  const check = rules.password()

  it('needs at least 8 characters', () => {
    expect(check(chars(7))).toBe('Use at least 8 characters.')
    expect(check(chars(LIMITS.passwordMin))).toBeNull()
  })

  it('allows at most 128 characters', () => {
    expect(check(chars(LIMITS.passwordMax))).toBeNull()
    expect(check(chars(LIMITS.passwordMax + 1))).toBe('Use at most 128 characters.')
  })

  it('counts spaces like any character (passwords are not trimmed)', () => {
    expect(check(' '.repeat(8))).toBeNull()
    expect(check('  abc  ')).toBe('Use at least 8 characters.')
  })

  it('refuses a missing value', () => {
    expect(check(undefined)).toBe('Use at least 8 characters.')
    expect(check(null)).toBe('Use at least 8 characters.')
  })
})

describe('rules.name', () => {
  const check = rules.name()

  it('needs 2 characters once trimmed', () => {
    expect(check('')).toBe('Name must be at least 2 characters.')
    expect(check(' a ')).toBe('Name must be at least 2 characters.')
    expect(check(' ab ')).toBeNull()
  })

  it('allows at most 100 characters once trimmed', () => {
    expect(check(chars(LIMITS.nameMax))).toBeNull()
    expect(check(`  ${chars(LIMITS.nameMax)}  `)).toBeNull()
    expect(check(chars(LIMITS.nameMax + 1))).toBe('Name must be at most 100 characters.')
  })
})

describe('rules.phone', () => {
  const check = rules.phone()
  const message = 'Enter a 10-digit mobile number (optionally starting with +91).'

  it.each(['9876543210', '6000000000', '98765 43210', '98765-43210', '(987) 654-3210', '+91 98765 43210', '919876543210', '09876543210'])(
    'accepts %j',
    (value) => {
      expect(check(value)).toBeNull()
    },
  )

  it.each(['', '5876543210', '987654321', '98765432101', '+92 9876543210', '0091 9876543210', '98765x3210', '+9198765432100'])(
    'refuses %j',
    (value) => {
      expect(check(value)).toBe(message)
    },
  )

  it('reads a missing value as empty', () => {
    expect(check(undefined)).toBe(message)
  })

  it('ignores only spaces, dashes and brackets', () => {
    expect(PHONE_RE.test('98765.43210')).toBe(false)
    expect(check('98765.43210')).toBe(message)
  })
})

describe('rules.pinCode', () => {
  const message = 'Enter a 6-digit PIN code (it cannot start with 0).'

  it.each(['560001', '100000', '999999', ' 560001 '])('accepts %j', (value) => {
    expect(rules.pinCode()(value)).toBeNull()
  })

  it.each(['', '060001', '56000', '5600011', '56 0001', 'abcdef', '56000a'])('refuses %j', (value) => {
    expect(rules.pinCode()(value)).toBe(message)
  })

  it('lets an optional PIN code be empty, but not wrong', () => {
    const optional = rules.pinCode({ optional: true })
    expect(optional('')).toBeNull()
    expect(optional('   ')).toBeNull()
    expect(optional(null)).toBeNull()
    expect(optional('012345')).toBe(message)
  })

  it('is the pattern PIN_RE exports', () => {
    expect(PIN_RE.test('560001')).toBe(true)
    expect(PIN_RE.test('060001')).toBe(false)
  })
})

describe('rules.maxLength', () => {
  it('allows exactly the maximum and refuses one more', () => {
    const check = rules.maxLength(5, 'Location')
    expect(check('abcde')).toBeNull()
    expect(check('abcdef')).toBe('Location must be at most 5 characters.')
  })

  it('counts the spaces a user typed', () => {
    expect(rules.maxLength(5, 'Location')('abc   ')).toBe('Location must be at most 5 characters.')
  })

  it('has a default label and accepts an empty value', () => {
    const check = rules.maxLength(3)
    expect(check('abcd')).toBe('This field must be at most 3 characters.')
    expect(check(undefined)).toBeNull()
    expect(check('')).toBeNull()
  })
})

describe('rules.integerBetween', () => {
  const check = rules.integerBetween(0, LIMITS.experienceMax, 'Experience')

  it('accepts whole numbers within the bounds, both bounds included', () => {
    expect(check('0')).toBeNull()
    expect(check('60')).toBeNull()
    expect(check(' 7 ')).toBeNull()
    expect(check(7)).toBeNull()
  })

  it('refuses numbers outside the bounds', () => {
    expect(check('61')).toBe('Experience must be between 0 and 60.')
    expect(rules.integerBetween(1, 5, 'Rating')('0')).toBe('Rating must be between 1 and 5.')
  })

  it.each(['', '  ', '1.5', '-1', '1e2', 'ten', '+3'])('refuses %j as not a whole number', (value) => {
    expect(check(value)).toBe('Experience must be a whole number.')
  })
})

describe('validate', () => {
  it('keeps the first failing rule of each field and leaves valid fields out', () => {
    const errors = validate(
      { email: '', name: 'Priya', phone: '123' },
      {
        email: [rules.required('Email'), rules.email()],
        name: [rules.name()],
        phone: [rules.required('Phone'), rules.phone()],
      },
    )
    expect(errors).toEqual({
      email: ['Email is required.'],
      phone: ['Enter a 10-digit mobile number (optionally starting with +91).'],
    })
  })

  it('runs the rules in order and stops at the first failure', () => {
    let later = 0
    const counting = () => {
      later += 1
      return null
    }
    expect(validate({ a: '' }, { a: [rules.required('A'), counting] })).toEqual({ a: ['A is required.'] })
    expect(later).toBe(0)
    expect(validate({ a: 'x' }, { a: [rules.required('A'), counting] })).toEqual({})
    expect(later).toBe(1)
  })

  it('checks a field missing from the values as undefined', () => {
    expect(validate({}, { name: [rules.required('Name')] })).toEqual({ name: ['Name is required.'] })
  })

  it('returns no errors for an empty schema', () => {
    expect(validate({ a: '' }, {})).toEqual({})
  })
})

describe('accountRules', () => {
  it('checks the four account fields', () => {
    expect(Object.keys(accountRules())).toEqual(['name', 'email', 'phone', 'password'])
    expect(validate({}, accountRules())).toEqual({
      name: ['Name must be at least 2 characters.'],
      email: ['Email is required.'],
      phone: ['Phone is required.'],
      password: ['Use at least 8 characters.'],
    })
  })

  it('accepts a valid account', () => {
    const values = { name: 'Priya Sharma', email: 'priya@example.com', phone: '98765 43210', password: 'HomeServe#2026' }
    expect(validate(values, accountRules())).toEqual({})
  })

  it('refuses a malformed email once one is given', () => {
    const values = { name: 'Priya', email: 'priya@', phone: '9876543210', password: 'long enough' }
    expect(validate(values, accountRules())).toEqual({ email: ['Enter a valid email address.'] })
  })
})
