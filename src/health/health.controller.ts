import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator';
import { REDIS } from '../cluster/cluster.tokens';
import type { RedisConnections } from '../cluster/redis-connections';
import { PrismaService } from '../database/prisma.service';
import { NoRateLimit } from '../limits/rate-limit.decorators';
import { LivenessResponse, ReadinessResponse } from './dto/health.response';

type Check = 'up' | 'down';

@ApiTags('health')
@Public()
@NoRateLimit()
@Controller('health')
export class HealthController {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(REDIS) private readonly redis: RedisConnections | null,
  ) {}

  /** Liveness: the process answers. */
  @Get()
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: LivenessResponse })
  live() {
    return { status: 'ok' };
  }

  /** Readiness: the database (and Redis, when configured) answer too; 503 sends a load balancer elsewhere. */
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: the database (and Redis, when configured) answer' })
  @ApiOkResponse({ type: ReadinessResponse, description: 'Every check is up' })
  @ApiServiceUnavailableResponse({
    type: ReadinessResponse,
    description: 'A check is down (`status: "unavailable"`): send traffic elsewhere',
  })
  async ready(@Res({ passthrough: true }) response: Response) {
    const checks: { database: Check; redis?: Check } = { database: (await this.prisma.isReachable()) ? 'up' : 'down' };
    if (this.redis) checks.redis = this.redis.isReady ? 'up' : 'down';
    const ok = Object.values(checks).every((check) => check === 'up');
    if (!ok) response.status(503);
    return { status: ok ? 'ok' : 'unavailable', ...checks };
  }
}
