// Times are shown in the browser's zone. A zone west of UTC, without summer time, makes a test
// fail when a calendar day is read as a UTC instant (it would show the day before), and keeps
// every expected offset fixed. Set before any module builds its Intl formatters.
process.env.TZ = 'America/Sao_Paulo'
