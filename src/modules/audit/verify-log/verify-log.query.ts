import { Query } from '@nestjs/cqrs';
import type { VerifyReport } from '../verification/chain-verifier';

/** Walk every stream's hash chain in the log (DESIGN §3 tamper evidence). */
export class VerifyLogQuery extends Query<VerifyReport> {}
