import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator';
import { ApiErrors } from '../common/api-errors.decorator';
import { RealtimeDocsService } from './realtime-docs.service';

/** No scripts and nothing fetched: the page is static HTML and inline CSS. */
const PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const NOT_INSTALLED = { not_found: 'The document is not installed on this server', rate_limited: 'Too many requests from this address' };
const text = (mediaType: string) => ({ [mediaType]: { schema: { type: 'string' } } });

/** The AsyncAPI 3 document of the realtime dialects (Socket.IO and raw WebSocket), for frontend teams. */
@ApiTags('docs')
@Public()
@Controller('docs')
export class RealtimeDocsController {
  constructor(private readonly docs: RealtimeDocsService) {}

  @Get('realtime')
  @ApiOperation({
    summary: 'The realtime API as a readable page',
    description: 'Every Socket.IO and raw-WebSocket event, rendered from the AsyncAPI 3 document.',
  })
  @ApiOkResponse({ description: 'A self-contained HTML page (no scripts, no external resources).', content: text('text/html') })
  @ApiErrors(NOT_INSTALLED)
  page(@Res({ passthrough: true }) response: Response): string {
    const { html } = this.docs.get();
    response.set({ 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': PAGE_POLICY });
    return html;
  }

  @Get('realtime.yaml')
  @ApiOperation({
    summary: 'The realtime API as AsyncAPI 3 YAML',
    description: 'The document as written, for AsyncAPI tools and code generators.',
  })
  @ApiOkResponse({ description: 'The AsyncAPI 3.0.0 document.', content: text('application/yaml') })
  @ApiErrors(NOT_INSTALLED)
  yaml(@Res({ passthrough: true }) response: Response): string {
    const { yaml } = this.docs.get();
    response.set('Content-Type', 'application/yaml; charset=utf-8');
    return yaml;
  }

  @Get('realtime.json')
  @ApiOperation({ summary: 'The realtime API as AsyncAPI 3 JSON', description: 'The same document converted to JSON.' })
  @ApiOkResponse({
    description: 'The AsyncAPI 3.0.0 document.',
    content: { 'application/json': { schema: { type: 'object', description: 'An AsyncAPI 3.0.0 document' } } },
  })
  @ApiErrors(NOT_INSTALLED)
  json(@Res({ passthrough: true }) response: Response): string {
    const { json } = this.docs.get();
    response.set('Content-Type', 'application/json; charset=utf-8');
    return json;
  }
}
