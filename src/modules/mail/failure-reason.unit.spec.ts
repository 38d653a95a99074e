import fc from 'fast-check';
import { failureReason, redactAddresses } from './failure-reason';

describe('failureReason', () => {
  it('given a permanent SMTP refusal quoting the recipient, keeps the code and the reply without the address', () => {
    const err = Object.assign(new Error("Can't send mail - all recipients were rejected: 550 <bob@example.org>: Recipient address rejected"), {
      code: 'EENVELOPE',
      responseCode: 550,
      response: '550 <bob@example.org>: Recipient address rejected',
    });
    expect(failureReason(err)).toEqual({ code: 'smtp-550', reason: '550 <[address]>: Recipient address rejected' });
  });

  it('given a transport error, its code; given anything else, "error"', () => {
    expect(failureReason(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:25'), { code: 'ECONNECTION' }))).toEqual({ code: 'econnection', reason: 'connect ECONNREFUSED 127.0.0.1:25' });
    expect(failureReason('mailbox of a.b+c@sub.example.co.uk is full')).toEqual({ code: 'error', reason: 'mailbox of [address] is full' });
  });

  it('property: no address survives redaction', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.string(), fc.string(), (address, before, after) => {
        expect(redactAddresses(`${before} <${address}> ${after}`)).not.toContain(address);
        expect(redactAddresses(`${before} ${address}: ${after}`)).not.toContain(address);
      }),
    );
  });
});
