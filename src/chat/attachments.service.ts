import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AppError } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { Attachment } from '../generated/prisma/client';
import { ATTACHMENT_STORAGE, AttachmentStorage } from './attachment-storage';
import { AttachmentView, toAttachmentView } from './chat.presenter';
import { ChatRepository } from './chat.repository';

export interface Upload {
  originalname: string;
  mimetype: string;
  size: number;
  buffer: Buffer;
}

/** Uploads for chat messages: checked, stored behind AttachmentStorage, readable by members only. */
@Injectable()
export class AttachmentsService {
  private readonly logger = new Logger('Attachments');

  constructor(
    private readonly chat: ChatRepository,
    @Inject(ATTACHMENT_STORAGE) private readonly storage: AttachmentStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async upload(uploaderId: string, file: Upload | undefined): Promise<AttachmentView> {
    if (!file)
      throw new AppError('validation_failed', 'Send the file as multipart/form-data in the field "file"', { file: ['is required'] });
    const contentType = file.mimetype.split(';')[0].trim().toLowerCase();
    if (!this.config.chat.uploadContentTypes.includes(contentType)) {
      throw new AppError('validation_failed', `Files of type ${contentType || 'unknown'} are not accepted`, {
        file: [`content type must be one of ${this.config.chat.uploadContentTypes.join(', ')}`],
      });
    }
    const id = randomUUID();
    await this.storage.put(id, file.buffer);
    try {
      const attachment = await this.chat.createAttachment({
        id,
        uploaderId,
        name: cleanFileName(file.originalname),
        contentType,
        size: file.size,
        storageKey: id,
      });
      return toAttachmentView(attachment);
    } catch (error) {
      await this.storage.remove(id);
      throw error;
    }
  }

  async open(userId: string, attachmentId: string): Promise<{ attachment: Attachment; content: Readable }> {
    const attachment = await this.chat.findAttachmentFor(attachmentId, userId);
    if (!attachment) throw new AppError('not_found', 'Attachment not found');
    try {
      return { attachment, content: await this.storage.open(attachment.storageKey) };
    } catch (error) {
      this.logger.error(`attachment ${attachment.id}: its bytes are missing from storage (${(error as Error).message})`);
      throw new AppError('not_found', 'Attachment not found');
    }
  }
}

// eslint-disable-next-line no-control-regex -- control characters are what this removes
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/** The client's file name without any path, control characters or excess length. */
export function cleanFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(CONTROL_CHARACTERS, '').trim().slice(0, 200);
  return clean === '' || clean === '.' || clean === '..' ? 'file' : clean;
}
