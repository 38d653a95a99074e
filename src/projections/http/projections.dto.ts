import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { textProblem } from '../../common/domain/text';
import { ValidateBy } from 'class-validator';

/** POST /v1/admin/projections/:name/skip: the event to pass over, and why (kept in the log). */
export class SkipEventDto {
  @IsString()
  @Matches(/^[1-9]\d{0,17}$/, { message: 'position must be the decimal log position of the parked event' })
  position!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  @ValidateBy({
    name: 'plainText',
    validator: { validate: (v: unknown) => typeof v === 'string' && textProblem(v, { multiline: true }) === null, defaultMessage: () => 'reason must be plain text (tab and newline allowed)' },
  })
  reason!: string;
}
