// The poller behind the navbar's unread count: every interval while the tab is visible, paused while
// it is hidden, and at once when the tab comes back or the window gets the focus.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createVisibilityPoller } from '@/composables/visibilityPoller'

function fakeDoc() {
  const target = new EventTarget()
  target.hidden = false
  target.setHidden = (value) => {
    target.hidden = value
    target.dispatchEvent(new Event('visibilitychange'))
  }
  return target
}

describe('createVisibilityPoller', () => {
  let doc
  let win
  beforeEach(() => {
    vi.useFakeTimers()
    doc = fakeDoc()
    win = new EventTarget()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('polls at once, then every interval', () => {
    const fn = vi.fn()
    const p = createVisibilityPoller(fn, { interval: 30_000, doc, win })
    p.start()
    expect(fn).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(29_999)
    expect(fn).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(1)
    expect(fn).toHaveBeenCalledTimes(2)
    vi.advanceTimersByTime(60_000)
    expect(fn).toHaveBeenCalledTimes(4)
    p.stop()
  })

  it('reads the interval from a function each time it arms', () => {
    const fn = vi.fn()
    const p = createVisibilityPoller(fn, { interval: () => 1000, doc, win })
    p.start()
    vi.advanceTimersByTime(3000)
    expect(fn).toHaveBeenCalledTimes(4)
    p.stop()
  })

  it('pauses while the tab is hidden and polls at once when it comes back', () => {
    const fn = vi.fn()
    const p = createVisibilityPoller(fn, { interval: 30_000, doc, win })
    p.start()
    expect(fn).toHaveBeenCalledTimes(1)
    doc.setHidden(true)
    expect(p.isTicking()).toBe(false)
    vi.advanceTimersByTime(5 * 60_000)
    expect(fn).toHaveBeenCalledTimes(1)
    doc.setHidden(false)
    expect(fn).toHaveBeenCalledTimes(2)
    expect(p.isTicking()).toBe(true)
    vi.advanceTimersByTime(30_000)
    expect(fn).toHaveBeenCalledTimes(3)
    p.stop()
  })

  it('does not poll when started in a hidden tab, until it is shown', () => {
    const fn = vi.fn()
    doc.hidden = true
    const p = createVisibilityPoller(fn, { interval: 30_000, doc, win })
    p.start()
    vi.advanceTimersByTime(90_000)
    expect(fn).not.toHaveBeenCalled()
    doc.setHidden(false)
    expect(fn).toHaveBeenCalledTimes(1)
    p.stop()
  })

  it('polls on focus, once for a focus right after a visibility change', () => {
    const fn = vi.fn()
    const p = createVisibilityPoller(fn, { interval: 30_000, doc, win, minGap: 1000 })
    p.start()
    vi.advanceTimersByTime(10_000)
    win.dispatchEvent(new Event('focus'))
    expect(fn).toHaveBeenCalledTimes(2)
    win.dispatchEvent(new Event('focus'))
    expect(fn).toHaveBeenCalledTimes(2)
    // The timer restarted at the focus: the next poll is a full interval later.
    vi.advanceTimersByTime(29_999)
    expect(fn).toHaveBeenCalledTimes(2)
    vi.advanceTimersByTime(1)
    expect(fn).toHaveBeenCalledTimes(3)
    p.stop()
  })

  it('stops for good: no timer, no listeners', () => {
    const fn = vi.fn()
    const p = createVisibilityPoller(fn, { interval: 1000, doc, win })
    p.start()
    p.stop()
    vi.advanceTimersByTime(10_000)
    doc.setHidden(true)
    doc.setHidden(false)
    win.dispatchEvent(new Event('focus'))
    expect(fn).toHaveBeenCalledTimes(1)
    expect(p.isRunning()).toBe(false)
  })

  it('keeps polling after a failing poll', async () => {
    const fn = vi.fn(async () => {
      throw new Error('down')
    })
    const p = createVisibilityPoller(fn, { interval: 1000, doc, win })
    p.start()
    vi.advanceTimersByTime(2000)
    await Promise.resolve()
    expect(fn).toHaveBeenCalledTimes(3)
    p.stop()
  })
})
