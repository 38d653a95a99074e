import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { UrlPolicy, checkEndpointUrl } from './domain/endpoint';
import { randomBytes } from 'node:crypto';

/** Production allows only https URLs of public hosts, unless WEBHOOKS_ALLOW_PRIVATE_NETWORKS=true. */
@Injectable()
export class EndpointUrlPolicy {
  readonly policy: UrlPolicy;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.policy = { requirePublic: config.NODE_ENV === 'production' && !config.WEBHOOKS_ALLOW_PRIVATE_NETWORKS };
  }

  check(url: string): string {
    return checkEndpointUrl(url, this.policy);
  }
}

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;
