import type { AppConfig } from '../config/app-config';

/** CORS_ORIGIN as an exact allow-list; unset reflects any origin (development). */
export function corsOrigin(config: Pick<AppConfig, 'corsOrigins'>): string[] | boolean {
  return config.corsOrigins.length > 0 ? config.corsOrigins : true;
}
