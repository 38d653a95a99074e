import { IsIn, IsOptional, Matches } from 'class-validator';
import { ROLES, type Role } from '../../../common/auth/principal';

export class DevSignInDto {
  /** The role to act as. */
  @IsIn(ROLES)
  role!: Role;

  /** The token's subject; default `dev-<role>`. */
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9._@-]{0,63}$/i)
  sub?: string;
}
