import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class HomeLinks {
  @ApiProperty({ example: '/health' })
  health: string;

  @ApiPropertyOptional({ example: '/demo', description: 'When the demo page is on (DEMO_ENABLED)' })
  demo?: string;

  @ApiPropertyOptional({ example: '/docs', description: 'When the docs are on (DOCS_ENABLED)' })
  docs?: string;

  @ApiPropertyOptional({ example: '/docs/realtime', description: 'When the docs are on (DOCS_ENABLED)' })
  realtimeDocs?: string;
}

export class HomeResponse {
  @ApiProperty({ example: 'call-signaling' })
  service: string;

  @ApiProperty({ type: HomeLinks })
  links: HomeLinks;
}
