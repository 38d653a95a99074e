import { Command } from '@nestjs/cqrs';
import type { SignUp } from './sign-up.payload';

/** POST /v1/subscriptions: queue the sign-up; the answer never depends on the address. */
export class SubmitSignUpCommand extends Command<void> {
  constructor(readonly signUp: SignUp) {
    super();
  }
}
