import type Mail from 'nodemailer/lib/mailer';
import { workerData } from 'node:worker_threads';
import { type SendOutcome, SmtpSender, type SmtpSettings } from './smtp-sender';

// One transport per thread, for the thread's life: its connections are reused across tasks.
const sender = new SmtpSender(workerData as SmtpSettings);

/** A mail thread's task (see SmtpMailer): build one message and send it; the outcome goes back as data. */
export default function send(options: Mail.Options): Promise<SendOutcome> {
  return sender.send(options);
}
