import { SetMetadata } from '@nestjs/common';

export const AUTH_ATTEMPT = 'rateLimit:authAttempt';
export const NO_RATE_LIMIT = 'rateLimit:none';

/**
 * Register and login: counted per IP against RATE_LIMIT_AUTH_PER_MIN instead of the general
 * per-IP limit, so password guessing has a budget of its own and does not eat the API's.
 */
export const AuthAttempt = () => SetMetadata(AUTH_ATTEMPT, true);

/** Load-balancer probes and metrics scrapes: never counted, never refused. */
export const NoRateLimit = () => SetMetadata(NO_RATE_LIMIT, true);
