import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const CHECK = { enum: ['up', 'down'], enumName: 'HealthCheck' } as const;

export class LivenessResponse {
  @ApiProperty({ enum: ['ok'] })
  status: 'ok';
}

export class ReadinessResponse {
  @ApiProperty({ enum: ['ok', 'unavailable'], description: '`unavailable` (with HTTP 503) when a check is down' })
  status: 'ok' | 'unavailable';

  @ApiProperty(CHECK)
  database: 'up' | 'down';

  @ApiPropertyOptional({ ...CHECK, description: 'Only when Redis is configured' })
  redis?: 'up' | 'down';
}
