import { ValidationArguments, ValidationOptions, registerDecorator } from 'class-validator';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

/** `{"date":"YYYY-MM-DD"}` or `{"dateTime":"YYYY-MM-DDTHH:mm[:ss]"}` and nothing else: both ends in the same form (contract, docs/architecture.md). */
export function IsEventTime(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isEventTime',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const keys = Object.keys(value);
          if (keys.length !== 1) return false;
          const v = (value as Record<string, unknown>)[keys[0]];
          if (keys[0] === 'date') return typeof v === 'string' && DATE.test(v);
          if (keys[0] === 'dateTime') return typeof v === 'string' && DATE_TIME.test(v);
          return false;
        },
        defaultMessage(args: ValidationArguments) {
          return `${args.property} must be {"date":"YYYY-MM-DD"} or {"dateTime":"YYYY-MM-DDTHH:mm[:ss]"} (local time, no offset)`;
        },
      },
    });
}
