import { ApiProperty } from '@nestjs/swagger';
import type { AttachmentView } from '../chat.presenter';

/** What a user may know of an uploaded file. */
export class AttachmentResponse implements AttachmentView {
  @ApiProperty({ type: String, format: 'uuid' })
  id: string;

  @ApiProperty({ type: String, description: "The uploader's file name, without any path", example: 'notes.pdf' })
  name: string;

  @ApiProperty({ type: 'integer', description: 'Bytes' })
  size: number;

  @ApiProperty({ type: String, example: 'application/pdf' })
  contentType: string;

  @ApiProperty({
    type: String,
    description: 'Where members download it (`GET /chat/attachments/{id}`)',
    example: '/chat/attachments/0b0e…',
  })
  url: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;
}
