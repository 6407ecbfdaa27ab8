import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { memoryStorage } from 'multer';
import { CallsModule } from '../calls/calls.module';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RealtimeModule } from '../realtime/realtime.module';
import { UsersModule } from '../users/users.module';
import { ATTACHMENT_STORAGE, DiskAttachmentStorage } from './attachment-storage';
import { AttachmentsController } from './attachments.controller';
import { AttachmentsService } from './attachments.service';
import { ChatController } from './chat.controller';
import { ChatRepository } from './chat.repository';
import { ChatService } from './chat.service';
import { CallRecords } from './call-records';
import { TypingService } from './typing.service';

@Module({
  imports: [
    RealtimeModule,
    UsersModule,
    CallsModule,
    MulterModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        storage: memoryStorage(),
        // File names arrive as UTF-8 from browsers; busboy's default would read them as Latin-1.
        defParamCharset: 'utf8',
        limits: { fileSize: config.chat.maxUploadBytes, files: 1, fields: 5, parts: 6 },
      }),
    }),
  ],
  controllers: [ChatController, AttachmentsController],
  providers: [
    ChatRepository,
    ChatService,
    CallRecords,
    TypingService,
    AttachmentsService,
    {
      provide: ATTACHMENT_STORAGE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new DiskAttachmentStorage(config.chat.uploadDir),
    },
  ],
  exports: [ChatService],
})
export class ChatModule {}
