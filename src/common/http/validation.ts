import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, validationProblem } from './problem';

/**
 * Flattens class-validator's tree into `errors[]` with dotted field paths, one error per field:
 * only what is wrong. A missing field is "is required" (not also "must be shorter than 300
 * characters"); otherwise the first rule declared on the field (decorators are written type
 * first: `@IsString() @IsNotEmpty() @MaxLength(300)`), which class-validator lists last.
 */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const messages = Object.values(e.constraints ?? {});
    if (messages.length) out.push({ field, message: e.value === undefined ? `${e.property} is required` : messages[messages.length - 1] });
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => validationProblem(flattenValidationErrors(errors)),
  });
}
