// Register only the Chart.js parts the dashboards use (keeps the bundle small).
import {
  ArcElement,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js'

Chart.register(ArcElement, BarElement, CategoryScale, Filler, Legend, LinearScale, LineElement, PointElement, Tooltip)
Chart.defaults.font.family =
  'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial, sans-serif'
Chart.defaults.color = '#495057'
Chart.defaults.maintainAspectRatio = false

export const STATUS_COLORS = {
  requested: '#e0a800',
  assigned: '#0b5ed7',
  completed: '#0dcaf0',
  closed: '#198754',
  rejected: '#dc3545',
  cancelled: '#6c757d',
  expired: '#343a40',
}
export const RATING_COLORS = ['#dc3545', '#fd7e14', '#e0a800', '#20c997', '#198754']
