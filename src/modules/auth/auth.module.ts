import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { TokenService } from './tokens';

@Global()
@Module({
  providers: [{ provide: TokenService, inject: [APP_CONFIG], useFactory: (c: AppConfig) => new TokenService(c.AUTH_JWT_SECRET) }],
  exports: [TokenService],
})
export class AuthModule {}
