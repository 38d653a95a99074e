import { DomainError } from '../../../common/domain/domain-error';

export type CalendarEventErrorCode = 'EVENT_NOT_FOUND' | 'EVENT_ALREADY_EXISTS' | 'EVENT_CANCELLED' | 'VALIDATION_FAILED' | 'NOT_RECURRING' | 'INSTANCE_NOT_IN_SERIES' | 'SPLIT_AT_FIRST_INSTANCE';

export const eventNotFound = () => new DomainError<CalendarEventErrorCode>('not-found', 'EVENT_NOT_FOUND', 'no such event');
export const eventAlreadyExists = () => new DomainError<CalendarEventErrorCode>('conflict', 'EVENT_ALREADY_EXISTS', 'an event with this id already exists');
export const eventCancelled = () => new DomainError<CalendarEventErrorCode>('conflict', 'EVENT_CANCELLED', 'the event is cancelled; a cancelled event cannot be changed or cancelled again');
export const invalidTime = (field: string, message: string) => new DomainError<CalendarEventErrorCode>('invalid', 'VALIDATION_FAILED', message, field);
/** Input outside the limits (limits.ts); the message is prefixed with the field, as validation messages are. */
export const invalidInput = (field: string, message: string) => new DomainError<CalendarEventErrorCode>('invalid', 'VALIDATION_FAILED', `${field} ${message}`, field);

export const invalidRecurrence = (message: string) => new DomainError<CalendarEventErrorCode>('invalid', 'VALIDATION_FAILED', message, 'recurrence');
export const notRecurring = () => new DomainError<CalendarEventErrorCode>('conflict', 'NOT_RECURRING', 'the event is not a recurring series');
export const instanceNotInSeries = () => new DomainError<CalendarEventErrorCode>('conflict', 'INSTANCE_NOT_IN_SERIES', 'the series does not (or no longer) produce an instance at this start');
export const instanceCancelled = () => new DomainError<CalendarEventErrorCode>('conflict', 'EVENT_CANCELLED', 'this instance is cancelled; a cancelled instance cannot be changed or cancelled again');

export const splitAtFirstInstance = () =>
  new DomainError<CalendarEventErrorCode>('conflict', 'SPLIT_AT_FIRST_INSTANCE', "this is the series' first instance: nothing would remain before it; change the series instead");

export { DomainError };
