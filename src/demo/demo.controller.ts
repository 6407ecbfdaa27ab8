import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { join } from 'node:path';
import { Public } from '../auth/public.decorator';
import { ApiErrors } from '../common/api-errors.decorator';
import { AppError } from '../common/errors';

/** The files of the demo page; anything else under /demo is not found. */
const ASSETS: Record<string, string> = {
  'demo.js': 'text/javascript; charset=utf-8',
  'peer-call.js': 'text/javascript; charset=utf-8',
  'demo.css': 'text/css; charset=utf-8',
};

// From src/demo (ts-jest, nest start) and dist/demo alike.
const DEMO_DIR = join(__dirname, '..', '..', 'public', 'demo');

// Same-origin scripts only; camera streams play from memory; the socket and REST calls go back to this server.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob: mediastream:; connect-src 'self' ws: wss:; frame-ancestors 'none'";

/** The reference web client (`/demo`): a plain page on the primary dialect and the client module's PeerCall. */
@ApiTags('demo')
@Public()
@Controller('demo')
export class DemoController {
  @Get()
  @Header('Content-Security-Policy', CSP)
  @ApiOperation({ summary: 'The demo web client: log in, call a mentor, chat' })
  @ApiOkResponse({ description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } })
  @ApiErrors({ rate_limited: 'Too many requests from this address' })
  page(@Res() res: Response) {
    res.type('html').sendFile(join(DEMO_DIR, 'index.html'));
  }

  @Get(':file')
  @Header('Content-Security-Policy', CSP)
  @ApiOperation({ summary: "The demo page's scripts and stylesheet (demo.js, peer-call.js, demo.css)" })
  @ApiOkResponse({
    description: 'The file',
    content: { 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } },
  })
  @ApiErrors({ not_found: 'Not one of the demo files', rate_limited: 'Too many requests from this address' })
  asset(@Param('file') file: string, @Res() res: Response) {
    const type = ASSETS[file];
    if (!type) throw new AppError('not_found', 'No such demo file');
    res.type(type).sendFile(join(DEMO_DIR, file));
  }
}
