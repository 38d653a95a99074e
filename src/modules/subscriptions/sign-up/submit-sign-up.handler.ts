import { InjectQueue } from '@nestjs/bullmq';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { Queue } from 'bullmq';
import { JOBS, QUEUES } from '../../../jobs/catalog';
import { SignUpSealer } from './sign-up.payload';
import { SubmitSignUpCommand } from './submit-sign-up.command';

/**
 * Queues the sealed sign-up and returns: nothing here reads the database, so the API's answer
 * and its timing are the same for a new, pending, confirmed or unsubscribed address.
 */
@CommandHandler(SubmitSignUpCommand)
export class SubmitSignUpHandler implements ICommandHandler<SubmitSignUpCommand> {
  constructor(
    private readonly sealer: SignUpSealer,
    @InjectQueue(QUEUES.subscriptions) private readonly queue: Queue,
  ) {}

  async execute(c: SubmitSignUpCommand): Promise<void> {
    await this.queue.add(JOBS.subscriptions.signUp, this.sealer.seal(c.signUp), {
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000 },
      // Sealed, but still not kept: once handled, the sign-up lives in the log and the deliveries.
      removeOnComplete: true,
      removeOnFail: true,
    });
  }
}
