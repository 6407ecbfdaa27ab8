import { Module } from '@nestjs/common';

/** Abuse limits on HTTP. */
@Module({})
export class LimitsModule {}
