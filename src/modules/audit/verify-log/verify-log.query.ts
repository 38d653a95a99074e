import { Query } from '@nestjs/cqrs';
import type { VerifyReport } from '../verification/chain-verifier';

/** Walk every stream's hash chain in the log: finds any edited, removed or reordered event. */
export class VerifyLogQuery extends Query<VerifyReport> {}
