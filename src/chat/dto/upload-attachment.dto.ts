import { ApiProperty } from '@nestjs/swagger';

/**
 * POST /chat/attachments, for the document only: the file arrives as multipart/form-data in the
 * field `file` and is read by FileInterceptor, not by the validation pipe.
 */
export class UploadAttachmentDto {
  @ApiProperty({
    type: 'string',
    format: 'binary',
    description: 'At most MAX_UPLOAD_BYTES (10 MiB by default), of a type in UPLOAD_CONTENT_TYPES',
  })
  file: unknown;
}
