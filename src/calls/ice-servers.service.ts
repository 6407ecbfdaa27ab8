import { Inject, Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { IceServer } from '@call-signaling/client';

export type { IceServer };

/** STUN as configured, TURN with time-limited credentials (coturn's REST-API scheme). */
@Injectable()
export class IceServersService {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  forUser(userId: string, now = Date.now()): { iceServers: IceServer[]; ttl: number } {
    const { stunUrls, turnUrls, turnSecret, turnTtlSeconds } = this.config.ice;
    const iceServers: IceServer[] = [];
    if (stunUrls.length) iceServers.push({ urls: stunUrls });
    if (turnUrls.length && turnSecret) {
      const username = `${Math.floor(now / 1000) + turnTtlSeconds}:${userId}`;
      const credential = createHmac('sha1', turnSecret).update(username).digest('base64');
      iceServers.push({ urls: turnUrls, username, credential });
    }
    return { iceServers, ttl: turnTtlSeconds };
  }
}
