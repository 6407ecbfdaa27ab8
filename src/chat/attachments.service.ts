import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { inBackground } from '../common/background';
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

/** How many uploads a user may have that no message has taken yet. */
export const MAX_UNSENT_ATTACHMENTS = 20;
/** How long an upload no message took is kept. */
export const UNSENT_ATTACHMENT_TTL_MS = 24 * 3_600_000;
const SWEEP_EVERY_MS = 3_600_000;
const SWEEP_BATCH = 500;

/**
 * Uploads for chat messages: checked, stored behind AttachmentStorage, readable by members only.
 * What is uploaded and never sent is bounded (MAX_UNSENT_ATTACHMENTS a user) and deleted, bytes
 * and all, after UNSENT_ATTACHMENT_TTL_MS.
 */
@Injectable()
export class AttachmentsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Attachments');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly chat: ChatRepository,
    @Inject(ATTACHMENT_STORAGE) private readonly storage: AttachmentStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => inBackground('deleting unsent attachments', this.sweepUnsent()), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Deletes the uploads no message took within UNSENT_ATTACHMENT_TTL_MS, bytes first gone from the records. */
  async sweepUnsent(): Promise<void> {
    const before = new Date(Date.now() - UNSENT_ATTACHMENT_TTL_MS);
    for (;;) {
      const keys = await this.chat.deleteUnsentAttachments(before, SWEEP_BATCH);
      await Promise.all(keys.map((key) => this.storage.remove(key)));
      if (keys.length < SWEEP_BATCH) return;
    }
  }

  async upload(uploaderId: string, file: Upload | undefined): Promise<AttachmentView> {
    if (!file)
      throw new AppError('validation_failed', 'Send the file as multipart/form-data in the field "file"', { file: ['is required'] });
    if ((await this.chat.countUnsentAttachments(uploaderId)) >= MAX_UNSENT_ATTACHMENTS) {
      throw new AppError(
        'rate_limited',
        `At most ${MAX_UNSENT_ATTACHMENTS} uploads may wait to be sent: send them in a message first (those never sent go after a day)`,
      );
    }
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
