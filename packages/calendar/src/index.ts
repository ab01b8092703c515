export {
  addDays,
  assertCalendarDate,
  type DateProblem,
  type DateProblemKind,
  dateProblem,
  daysBetween,
  daysInclusive,
  firstCalendarDate,
  InvalidDateError,
  isCalendarDate,
  lastCalendarDate,
  maxRangeDays,
  supportedPart,
  utcDate,
} from './calendar-date.ts';
export { type DayWindow, dayWindow, localDay } from './day-window.ts';
