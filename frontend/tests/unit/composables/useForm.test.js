import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '@/api/client'
import { useForm } from '@/composables/useForm'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('useForm', () => {
  it('starts without errors, message or submission', () => {
    const f = useForm(['email'])
    expect(f.errors).toEqual({})
    expect(f.message.value).toBe('')
    expect(f.submitting.value).toBe(false)
    expect(f.invalid('email')).toBe(false)
    expect(f.feedback('email')).toBe('')
  })

  describe('check', () => {
    it('lets a form without client errors be sent, clearing earlier ones', () => {
      const f = useForm(['email'])
      f.check({ email: ['Email is required.'] })
      expect(f.check({})).toBe(true)
      expect(f.errors).toEqual({})
      expect(f.message.value).toBe('')
    })

    it('stops a form with client errors and puts them on their fields', () => {
      const f = useForm(['email', 'password'])
      expect(f.check({ email: ['Email is required.'] })).toBe(false)
      expect(f.invalid('email')).toBe(true)
      expect(f.invalid('password')).toBe(false)
      expect(f.feedback('email')).toBe('Email is required.')
      expect(f.message.value).toBe('Please correct the highlighted fields.')
    })
  })

  describe('setErrors', () => {
    it('puts errors of shown fields on them and returns the others as text', () => {
      const f = useForm(['name'])
      const extra = f.setErrors({ name: ['Too short.', 'Has digits.'], pin_code: ['Invalid.'], _schema: ['Bad request.'], _general: 'Try later.' })
      expect(f.errors).toEqual({ name: ['Too short.', 'Has digits.'] })
      expect(f.feedback('name')).toBe('Too short. Has digits.')
      expect(extra).toEqual(['pin_code: Invalid.', 'Bad request.', 'Try later.'])
    })

    it('turns a single message into a list and replaces earlier errors', () => {
      const f = useForm(['name', 'phone'])
      f.setErrors({ phone: ['Wrong.'] })
      f.setErrors({ name: 'Required.' })
      expect(f.errors).toEqual({ name: ['Required.'] })
    })

    it('accepts no fields at all', () => {
      const f = useForm(['name'])
      expect(f.setErrors(undefined)).toEqual([])
      expect(f.setErrors(null)).toEqual([])
    })
  })

  describe('run', () => {
    it('is submitting while the call runs and returns its result', async () => {
      const f = useForm([])
      let seen = null
      const result = await f.run(async () => {
        seen = f.submitting.value
        return 42
      })
      expect(seen).toBe(true)
      expect(result).toBe(42)
      expect(f.submitting.value).toBe(false)
    })

    it('clears the previous message before sending', async () => {
      const f = useForm([])
      f.message.value = 'old'
      let seen = null
      await f.run(async () => {
        seen = f.message.value
      })
      expect(seen).toBe('')
    })

    it("routes an API error's fields to the form and the rest to the message", async () => {
      const f = useForm(['email'])
      const result = await f.run(async () => {
        throw new ApiError(409, 'That email is taken.', { email: ['Already registered.'], phone: ['Already used.'] })
      })
      expect(result).toBeUndefined()
      expect(f.feedback('email')).toBe('Already registered.')
      expect(f.message.value).toBe('That email is taken. phone: Already used.')
      expect(f.submitting.value).toBe(false)
    })

    it('shows a general message for anything else and logs it for debugging', async () => {
      const log = vi.spyOn(console, 'error').mockImplementation(() => {})
      const f = useForm([])
      const boom = new TypeError('x is undefined')
      await f.run(async () => {
        throw boom
      })
      expect(f.message.value).toBe('Something unexpected went wrong. Please try again.')
      expect(log).toHaveBeenCalledWith(boom)
    })
  })

  it('clear() empties errors and message', () => {
    const f = useForm(['email'])
    f.check({ email: ['Email is required.'] })
    f.clear()
    expect(f.errors).toEqual({})
    expect(f.message.value).toBe('')
  })

  it('treats an empty list of messages as no error', () => {
    const f = useForm(['email'])
    f.setErrors({ email: [] })
    expect(f.invalid('email')).toBe(false)
    expect(f.feedback('email')).toBe('')
  })
})
