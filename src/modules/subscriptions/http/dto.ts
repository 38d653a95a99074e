import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsIn,
  IsISO31661Alpha2,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
  Validate,
  Min,
  Max,
  IsInt,
} from 'class-validator';
import { PROGRAMMES } from '../../scheduling/domain/events';
import { leadTimesErrors } from '../domain/lead-times';

@ValidatorConstraint({ name: 'leadTimes' })
class LeadTimesConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return Array.isArray(value) && value.every((v) => typeof v === 'string') && leadTimesErrors(value as string[]).length === 0;
  }

  defaultMessage(args: ValidationArguments): string {
    const v = args.value as unknown;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return 'leadTimes must be an array of ISO-8601 durations';
    return `leadTimes: ${leadTimesErrors(v as string[]).join('; ')}`;
  }
}

const upper = ({ value }: { value: unknown }) => (Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.toUpperCase() : v)) : value);
const lower = ({ value }: { value: unknown }) => (Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.toLowerCase() : v)) : value);

export class SubscribeDto {
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string | null;

  /** ISO 3166-1 alpha-2; empty or absent: every country. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(250)
  @Transform(upper)
  @IsISO31661Alpha2({ each: true, message: 'countries must be ISO 3166-1 alpha-2 codes such as CN or KR' })
  countries?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(PROGRAMMES.length)
  @IsIn(PROGRAMMES, { each: true, message: `programmes must be among ${PROGRAMMES.join(', ')}` })
  programmes?: string[];

  /** Kept short: the confirmation link carries the preferences. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Transform(lower)
  @IsUUID('all', { each: true, message: 'eventIds must be event ids (uuids)' })
  eventIds?: string[];

  /** ISO-8601 durations, PT5M..P30D, at most 5; default ["P1D"]. */
  @IsOptional()
  @Validate(LeadTimesConstraint)
  leadTimes?: string[];

  /** BCP 47 language tag; default "en". */
  @IsOptional()
  @IsString()
  @Matches(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,3}$/, { message: 'locale must be a language tag such as en or zh-CN' })
  locale?: string;
}

export class DeliveriesQueryDto {
  @IsOptional()
  @IsEmail({}, { message: 'email must be an email address' })
  email?: string;

  @IsOptional()
  @IsUUID('all', { message: 'eventId must be an event id (uuid)' })
  eventId?: string;

  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}
