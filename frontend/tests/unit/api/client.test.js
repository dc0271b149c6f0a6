import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, api } from '@/api/client'

function answer(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

afterEach(() => vi.unstubAllGlobals())

describe('the API client’s errors', () => {
  it('keeps what an error body carries beside status, message and fields', async () => {
    const nearest = [{ start: '2026-12-01T11:00:00+05:30', end: '2026-12-01T11:45:00+05:30' }]
    vi.stubGlobal('fetch', vi.fn(async () => answer(409, { error: { status: 409, message: 'That time was just taken.', nearest } })))
    const error = await api.get('/professionals/7/slots').catch((e) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error.status).toBe(409)
    expect(error.message).toBe('That time was just taken.')
    expect(error.fields).toEqual({})
    expect(error.details).toEqual({ nearest })
  })

  it('gives empty details to an error without any', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => answer(422, { error: { status: 422, message: 'Bad.', fields: { end: ['No.'] } } })))
    const error = await api.get('/availability').catch((e) => e)
    expect(error.fieldMessages('end')).toEqual(['No.'])
    expect(error.details).toEqual({})
    expect(new ApiError(500, 'x').details).toEqual({})
  })
})
