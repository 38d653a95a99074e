import { ValidationOptions, registerDecorator } from 'class-validator';
import { isValidTimeZone } from '../domain/time';

/**
 * An IANA zone name, checked as the domain checks it (luxon/Intl, answer kept per name).
 * class-validator's own IsTimeZone builds an Intl.DateTimeFormat on every call: 0.3 ms of
 * every schedule command (README, Benchmarks: lag).
 */
export function IsIanaTimeZone(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isIanaTimeZone',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isValidTimeZone(value),
        defaultMessage: () => `${propertyName} must be an IANA time zone such as Asia/Shanghai`,
      },
    });
}
