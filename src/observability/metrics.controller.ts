import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Public } from '../auth/public.decorator';
import { ApiErrors } from '../common/api-errors.decorator';
import { AppError } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { NoRateLimit } from '../limits/rate-limit.decorators';
import { MetricsService } from './metrics.service';

/** The OpenAPI security scheme of METRICS_TOKEN: a shared secret for the scraper, not a user's JWT. */
export const METRICS_TOKEN_SCHEME = 'metrics-token';

/**
 * Prometheus scrapes, behind `Authorization: Bearer <METRICS_TOKEN>` when that is set; without it,
 * open outside production and closed in production unless METRICS_PUBLIC=true.
 */
@ApiTags('metrics')
@Public()
@NoRateLimit()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics',
    description:
      'With METRICS_TOKEN set: `Authorization: Bearer <METRICS_TOKEN>`. Without it: open outside production; in production closed (forbidden) unless METRICS_PUBLIC=true.',
  })
  // Either no credentials (no METRICS_TOKEN configured) or the metrics token: never a user's JWT.
  @ApiSecurity({})
  @ApiSecurity(METRICS_TOKEN_SCHEME)
  @ApiOkResponse({
    description: 'The Prometheus text exposition format',
    content: { 'text/plain': { schema: { type: 'string', example: '# HELP http_requests_total …' } } },
  })
  @ApiErrors({
    unauthorized: 'METRICS_TOKEN is set and the request does not carry it',
    forbidden: 'Production without METRICS_TOKEN or METRICS_PUBLIC=true',
  })
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<string> {
    const { metricsToken: expected, metricsOpen } = this.config.observability;
    if (expected === undefined && !metricsOpen) {
      throw new AppError('forbidden', 'Metrics are closed in production: set METRICS_TOKEN, or METRICS_PUBLIC=true to open them');
    }
    if (expected !== undefined && !sameSecret(/^bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim() ?? '', expected)) {
      throw new AppError('unauthorized', 'Metrics need Authorization: Bearer <METRICS_TOKEN>');
    }
    response.type(this.metrics.contentType);
    return this.metrics.scrape();
  }
}

/** Compared as digests, so neither the length nor the content leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
