import { describe, expect, it } from 'vitest'
import { telHref } from '@/utils/phone'

describe('telHref', () => {
  it('gives an Indian mobile number its country code', () => {
    expect(telHref('9845012345')).toBe('tel:+919845012345')
    expect(telHref('98450 12345')).toBe('tel:+919845012345')
    expect(telHref('09845012345')).toBe('tel:+919845012345')
    expect(telHref('919845012345')).toBe('tel:+919845012345')
  })

  it('keeps a number that already has one, without its spaces and dashes', () => {
    expect(telHref('+91 98450-12345')).toBe('tel:+919845012345')
    expect(telHref('(+91) 98450 12345')).toBe('tel:+919845012345')
    expect(telHref('+44 20 7946 0958')).toBe('tel:+442079460958')
  })

  it('has nothing to call without digits', () => {
    expect(telHref('')).toBeNull()
    expect(telHref(null)).toBeNull()
    expect(telHref(undefined)).toBeNull()
    expect(telHref(' — ')).toBeNull()
  })
})
