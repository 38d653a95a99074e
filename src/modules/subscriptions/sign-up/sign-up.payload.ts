import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { deriveSecret } from '../../../config/secrets';
import type { EventMetadata } from '../../../events/envelope';
import type { Sealed } from '../domain/events';
import type { Preferences } from '../domain/subscription';
import { open, seal } from '../personal-data.vault';

/** A sign-up as the API received it (name already normalised). */
export interface SignUp {
  email: string;
  name: string | null;
  preferences: Preferences;
  metadata: EventMetadata;
}

/** The sign-up job's data: the whole request sealed, so Redis never holds an address or a name. */
export interface SignUpJobData {
  sealed: Sealed;
}

/** AES-256-GCM under a key derived from DATA_KEY_SECRET for this purpose only. */
@Injectable()
export class SignUpSealer {
  private readonly key: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.key = deriveSecret(config, 'sign-up-queue');
  }

  seal(s: SignUp): SignUpJobData {
    return { sealed: seal(this.key, JSON.stringify(s)) };
  }

  open(d: SignUpJobData): SignUp {
    return JSON.parse(open(this.key, d.sealed)) as SignUp;
  }
}
