/**
 * Call `fn` every `interval` ms while the page is visible: the timer stops while the tab is hidden
 * (document.hidden) and, when the tab comes back (visibilitychange) or the window gets the focus, `fn`
 * runs at once and the timer starts again. Two wake-ups within `minGap` ms (visibilitychange and focus
 * together) call `fn` once.
 *
 * @param {() => unknown} fn
 * @param {{interval?: number | (() => number), doc?: Document, win?: Window, minGap?: number}} options
 * @returns {{start: () => void, stop: () => void, pollNow: () => void, isRunning: () => boolean}}
 */
export function createVisibilityPoller(fn, { interval = 30_000, doc, win, minGap = 1000 } = {}) {
  const d = doc ?? (typeof document === 'undefined' ? null : document)
  const w = win ?? (typeof window === 'undefined' ? null : window)
  let timer = null
  let running = false
  let lastRun = -Infinity

  const period = () => {
    const ms = typeof interval === 'function' ? interval() : interval
    return Number.isFinite(ms) && ms > 0 ? ms : 30_000
  }
  const hidden = () => Boolean(d && d.hidden)

  function tick() {
    lastRun = Date.now()
    try {
      const result = fn()
      if (result && typeof result.catch === 'function') result.catch(() => {})
    } catch {
      // A failing poll never stops the poller.
    }
  }

  function arm() {
    disarm()
    timer = setInterval(() => {
      if (hidden()) disarm()
      else tick()
    }, period())
  }

  function disarm() {
    if (timer !== null) clearInterval(timer)
    timer = null
  }

  function wake() {
    if (!running || hidden()) return
    if (Date.now() - lastRun >= minGap) tick()
    arm()
  }

  function onVisibility() {
    if (!running) return
    if (hidden()) disarm()
    else wake()
  }

  function start() {
    if (running) return
    running = true
    d?.addEventListener('visibilitychange', onVisibility)
    w?.addEventListener('focus', wake)
    if (!hidden()) {
      tick()
      arm()
    }
  }

  function stop() {
    if (!running) return
    running = false
    disarm()
    d?.removeEventListener('visibilitychange', onVisibility)
    w?.removeEventListener('focus', wake)
  }

  return {
    start,
    stop,
    pollNow: () => {
      if (running) tick()
    },
    isRunning: () => running,
    isTicking: () => timer !== null,
  }
}
