import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { TokenService } from './tokens';

export const tokenOptions = (c: AppConfig) => ({
  secret: c.AUTH_JWT_SECRET,
  jwksUrl: c.AUTH_JWKS_URL,
  issuer: c.AUTH_JWT_ISSUER,
  audience: c.AUTH_JWT_AUDIENCE,
  rolesClaim: c.AUTH_ROLES_CLAIM,
  jwksCooldownMs: c.AUTH_JWKS_COOLDOWN_SECONDS * 1000,
});

@Global()
@Module({
  providers: [{ provide: TokenService, inject: [APP_CONFIG], useFactory: (c: AppConfig) => new TokenService(tokenOptions(c)) }],
  exports: [TokenService],
})
export class AuthModule {}
