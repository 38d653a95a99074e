import { Module } from '@nestjs/common';
import { ConsoleController } from './http/console.controller';

/**
 * The web console (public calendar at `/`, staff/auditor/admin desk at `/console`): the built
 * front end from dist/web, served by the API itself so there is no second server to run.
 */
@Module({ controllers: [ConsoleController] })
export class ConsoleHttpModule {}
