import { Controller, Get, Param, Post, Res, StreamableFile, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthUser } from '../auth/auth-user';
import { ApiAuthenticated } from '../auth/api-authenticated.decorator';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiErrors, UNSTORABLE_PARAMETER } from '../common/api-errors.decorator';
import { AttachmentsService } from './attachments.service';
import { AttachmentResponse } from './dto/attachment.response';
import { UploadAttachmentDto } from './dto/upload-attachment.dto';

@ApiTags('chat')
@ApiAuthenticated()
@Controller('chat/attachments')
export class AttachmentsController {
  constructor(private readonly attachments: AttachmentsService) {}

  /** multipart/form-data with the file in `file`; limits come from the module's multer options. */
  @Post()
  @UseInterceptors(FileInterceptor('file'))
  @ApiOperation({
    summary: 'Upload a file to attach to a message',
    description: 'Until it is sent in a message, only the uploader can read it.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: UploadAttachmentDto })
  @ApiCreatedResponse({ type: AttachmentResponse })
  @ApiErrors({
    validation_failed: 'No file in the field `file`, a file under another name or more than one, or a content type that is not accepted',
    payload_too_large: 'The file is over MAX_UPLOAD_BYTES',
  })
  upload(@CurrentUser() user: AuthUser, @UploadedFile() file: Express.Multer.File | undefined) {
    return this.attachments.upload(user.id, file);
  }

  /**
   * The file, for its uploader and the members of the conversation it was sent in. Always a
   * download with the original name, never rendered in our origin.
   */
  @Get(':id')
  @ApiOperation({
    summary: 'Download an attachment',
    description:
      'For its uploader and the members of the conversation it was sent in; always a download (`Content-Disposition: attachment`), never rendered.',
  })
  @ApiOkResponse({
    description: 'The file, in the content type it was stored with, as a download under its original name',
    content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiErrors({ validation_failed: UNSTORABLE_PARAMETER, not_found: 'No such attachment, or you may not read it' })
  async download(@CurrentUser() user: AuthUser, @Param('id') id: string, @Res({ passthrough: true }) response: Response) {
    const { attachment, content } = await this.attachments.open(user.id, id);
    response.set({
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': 'private, max-age=3600',
    });
    return new StreamableFile(content, {
      type: attachment.contentType,
      length: attachment.size,
      disposition: contentDisposition(attachment.name),
    });
  }
}

/** RFC 6266: an ASCII fallback name plus the exact name in UTF-8. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
