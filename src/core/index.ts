export { AppError, isAppError } from './app-error.ts';
export { systemClock, manualClock, type Clock, type ManualClock } from './clock.ts';
export { isUuid } from './is-uuid.ts';
export { isTimeZone } from './is-time-zone.ts';
