import { Controller, Get, Param, Post, Res, StreamableFile, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import type { Response } from 'express';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { AttachmentsService } from './attachments.service';

@Controller('chat/attachments')
export class AttachmentsController {
  constructor(private readonly attachments: AttachmentsService) {}

  /** multipart/form-data with the file in `file`; limits come from the module's multer options. */
  @Post()
  @UseInterceptors(FileInterceptor('file'))
  upload(@CurrentUser() user: AuthUser, @UploadedFile() file: Express.Multer.File | undefined) {
    return this.attachments.upload(user.id, file);
  }

  /**
   * The file, for its uploader and the members of the conversation it was sent in. Always a
   * download with the original name, never rendered in our origin.
   */
  @Get(':id')
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
