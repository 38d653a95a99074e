import { Command } from '@nestjs/cqrs';
import type { EventMetadata } from '../../../events/envelope';
import type { Preferences } from '../domain/subscription';

/** A queued sign-up, run by the worker (see SubmitSignUpCommand for the API's side). */
export class RequestSubscriptionCommand extends Command<{ subscriptionId: string; position: string; confirmationSent: boolean }> {
  constructor(
    readonly email: string,
    readonly name: string | null,
    readonly preferences: Preferences,
    readonly metadata: EventMetadata,
  ) {
    super();
  }
}
