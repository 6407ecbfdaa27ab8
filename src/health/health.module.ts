import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HomeController } from './home.controller';

/** The server's own pages: its health checks, and the address itself (GET /). */
@Module({ controllers: [HealthController, HomeController] })
export class HealthModule {}
