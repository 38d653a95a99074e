import { Body, Controller, Get, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { join } from 'node:path';
import { Public } from '../../../common/http/access';
import { PROBLEM_CONTENT_TYPE, ProblemException, problemBody } from '../../../common/http/problem';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { TokenService } from '../../auth/tokens';
import { DevSignInDto } from './dev-sign-in.dto';
import { ConsoleSettings, WEB_ROOT, consoleSettings, pageCsp, webBuilt } from './web-pages';

/** The console's pages and the two small routes they need; not part of the API (kept out of /docs). */
@ApiExcludeController()
@Controller()
export class ConsoleController {
  private readonly csp: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tokens: TokenService,
  ) {
    this.csp = pageCsp(config);
  }

  @Get()
  @Public()
  home(@Res() res: Response): void {
    this.page(res, 'index.html');
  }

  @Get('events/:id')
  @Public()
  eventPage(@Res() res: Response): void {
    this.page(res, 'index.html');
  }

  @Get('console/settings.json')
  @Public()
  settings(): ConsoleSettings {
    return consoleSettings(this.config);
  }

  /** Development sign-in: a token for the picked role, signed with the shared secret. */
  @Post('console/dev-sign-in')
  @Public()
  @HttpCode(200)
  async devSignIn(@Body() body: DevSignInDto): Promise<{ token: string; sub: string; roles: string[] }> {
    if (!consoleSettings(this.config).devSignIn) throw new ProblemException(404, 'NOT_FOUND', 'no such route');
    const sub = body.sub ?? `dev-${body.role}`;
    return { token: await this.tokens.sign(sub, [body.role], '8h'), sub, roles: [body.role] };
  }

  @Get('console')
  @Public()
  console(@Res() res: Response): void {
    this.page(res, 'console.html');
  }

  @Get('console/*path')
  @Public()
  consolePath(@Res() res: Response): void {
    this.page(res, 'console.html');
  }

  @Get('assets/:file')
  @Public()
  asset(@Param('file') file: string, @Res() res: Response): void {
    // Vite names every asset by its content hash: cacheable for ever.
    res.sendFile(file, { root: join(WEB_ROOT, 'assets'), immutable: true, maxAge: '365d', dotfiles: 'deny' }, (err) => {
      if (err && !res.headersSent) res.status(404).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problemBody(404, 'NOT_FOUND', 'no such asset', undefined, `/assets/${file}`)));
    });
  }

  private page(res: Response, name: string): void {
    if (!webBuilt()) throw new ProblemException(404, 'NOT_FOUND', 'the web console is not built: run `npm run build`');
    res.setHeader('Content-Security-Policy', this.csp);
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(name, { root: WEB_ROOT });
  }
}
