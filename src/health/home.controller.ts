import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors.decorator';
import { Public } from '../auth/public.decorator';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { HomeResponse } from './dto/home.response';

/** What someone opening the server's address finds: what it is, and where to go (ext). */
@ApiTags('health')
@Public()
@Controller()
export class HomeController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get()
  @ApiOperation({ summary: 'What this server is, and links to its health check, demo and docs (those that are on)' })
  @ApiOkResponse({ type: HomeResponse })
  @ApiErrors({ rate_limited: 'Too many requests from this address' })
  home(): HomeResponse {
    const { demo, docs } = this.config.pages;
    return {
      service: 'call-signaling',
      links: {
        health: '/health',
        ...(demo ? { demo: '/demo' } : {}),
        ...(docs ? { docs: '/docs', realtimeDocs: '/docs/realtime' } : {}),
      },
    };
  }
}
