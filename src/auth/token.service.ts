import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { decode, JwtPayload, TokenExpiredError, type Algorithm } from 'jsonwebtoken';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AppError } from '../common/errors';
import { RecentMap } from '../common/recent-map';
import { User, UserRole } from '../generated/prisma/client';
import { KnownUsers } from '../users/known-users';
import { UserConflictError, UsersRepository } from '../users/users.repository';
import { ConnectionUser, connectionUserOf } from './auth-user';

const SYMMETRIC: Algorithm[] = ['HS256', 'HS384', 'HS512'];
const ASYMMETRIC: Algorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
const ROLES: readonly UserRole[] = ['student', 'mentor', 'tutor', 'admin'];

export interface VerificationKey {
  key: KeyObject;
  algorithms: Algorithm[];
}

export interface VerifiedConnection {
  user: ConnectionUser;
  /** Milliseconds since the epoch; the connection must end then. */
  expiresAt: number | null;
}

const expiryOf = (claims: JwtPayload) => (typeof claims.exp === 'number' ? claims.exp * 1000 : null);
/** Tokens whose signature was checked, remembered until they expire (at most this long): a reconnect presents the same one. */
const REMEMBER_TOKEN_MS = 10 * 60_000;
/** A few MB at most. */
const MAX_REMEMBERED_TOKENS = 10_000;

function unauthorized(message: string): AppError {
  return new AppError('unauthorized', message);
}

/**
 * Issues this server's tokens and verifies every token presented to it, own or external.
 * HTTP (through the passport strategy) and every realtime handshake use the same key choice
 * and the same claim rules defined here.
 */
@Injectable()
export class TokenService {
  /**
   * Made once: given a string, jsonwebtoken first tries it as a public key and builds a key object
   * on every verify, which was most of a connection's authentication time.
   */
  private readonly secretKey: KeyObject;
  private readonly publicKey: KeyObject | null;
  private readonly checkedTokens = new RecentMap<string, JwtPayload>(MAX_REMEMBERED_TOKENS);

  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersRepository,
    private readonly knownUsers: KnownUsers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.secretKey = createSecretKey(Buffer.from(config.jwt.secret));
    const publicKey = config.jwt.external.publicKey;
    this.publicKey = publicKey ? createPublicKey(publicKey) : null;
  }

  issue(user: Pick<User, 'id' | 'role' | 'displayName'>): string {
    return this.jwt.sign(
      { role: user.role, name: user.displayName },
      {
        subject: user.id,
        issuer: this.config.jwt.ownIssuer,
        expiresIn: this.config.jwt.expiresInSeconds,
        secret: this.config.jwt.secret,
        algorithm: 'HS256',
      },
    );
  }

  acceptedAlgorithms(): Algorithm[] {
    return this.config.jwt.external.publicKey ? [...SYMMETRIC, ...ASYMMETRIC] : SYMMETRIC;
  }

  /**
   * The key a token may be checked with, chosen by the algorithm its header names: our secret
   * for HMAC, the configured public key for RSA/ECDSA. `none` and anything else is refused, and
   * a key never serves an algorithm of the other family.
   */
  keyFor(token: string): VerificationKey {
    const header = decode(token, { complete: true })?.header;
    if (!header || typeof header.alg !== 'string') throw unauthorized('Malformed access token');
    const alg = header.alg as Algorithm;
    if (SYMMETRIC.includes(alg)) return { key: this.secretKey, algorithms: SYMMETRIC };
    if (this.publicKey && ASYMMETRIC.includes(alg)) return { key: this.publicKey, algorithms: ASYMMETRIC };
    throw unauthorized(`Access token algorithm ${alg} is not accepted`);
  }

  /**
   * For a realtime connection, which keeps only who its user is. That is remembered for a while
   * (an id's name and role do not change here), so a reconnect storm costs no lookups.
   */
  async verifyConnection(token: string): Promise<VerifiedConnection> {
    const claims = this.claimsOf(token);
    const { userId, own } = this.identify(claims);
    const user = this.knownUsers.remembered(userId) ?? this.knownUsers.remember(connectionUserOf(await this.lookUp(userId, own, claims)));
    return { user, expiresAt: expiryOf(claims) };
  }

  /**
   * The user a token names, its signature unchecked: to turn away at once a user's client that
   * keeps coming back after its refusals (see ConnectionAdmission). Nothing when it names none.
   */
  claimedUserId(token: string): string | undefined {
    const claims = decode(token, { json: true });
    if (!claims) return undefined;
    try {
      return this.identify(claims).userId;
    } catch {
      return undefined;
    }
  }

  /** Applies the claim rules to a token whose signature has been checked. */
  userForClaims(claims: JwtPayload): Promise<User> {
    const { userId, own } = this.identify(claims);
    return this.lookUp(userId, own, claims);
  }

  private claimsOf(token: string): JwtPayload {
    const checked = this.checkedTokens.get(token);
    if (checked) return checked;
    const claims = this.verifiedClaimsOf(token);
    this.checkedTokens.set(token, claims, Math.min(expiryOf(claims) ?? Infinity, Date.now() + REMEMBER_TOKEN_MS));
    return claims;
  }

  private verifiedClaimsOf(token: string): JwtPayload {
    const { key, algorithms } = this.keyFor(token);
    try {
      // @nestjs/jwt passes the key through to jsonwebtoken, which takes a KeyObject; its types say string | Buffer.
      const asKey = key as unknown as string;
      return this.jwt.verify<JwtPayload>(token, { secret: asKey, publicKey: asKey, algorithms });
    } catch (error) {
      throw unauthorized(error instanceof TokenExpiredError ? 'Access token expired' : 'Invalid access token');
    }
  }

  /** Whose token it is, by the claim rules; whether that user exists is the lookup's question. */
  private identify(claims: JwtPayload): { userId: string; own: boolean } {
    // A refresh token (djangorestframework-simplejwt's `token_type: "refresh"`) never opens a session.
    if (claims.token_type !== undefined && claims.token_type !== 'access') throw unauthorized('Only access tokens are accepted');
    const own = claims.iss === this.config.jwt.ownIssuer;
    if (!own) {
      // A token this server did not issue: from any issuer, unless JWT_ISSUER names the one accepted.
      const { issuer, audience } = this.config.jwt.external;
      if (issuer && claims.iss !== issuer) throw unauthorized('Access token issuer is not accepted');
      if (audience && ![claims.aud].flat().includes(audience)) throw unauthorized('Access token audience is not accepted');
    }
    const userId = this.userIdOf(claims, own);
    if (!userId) throw unauthorized(`Access token names no user (${this.config.jwt.external.userIdClaim ?? 'sub or user_id'})`);
    // What no user id looks like, and what the database could not keep as one.
    if (userId.length > MAX_USER_ID_LENGTH || userId.includes('\0'))
      throw unauthorized(`Access token's user id must be at most ${MAX_USER_ID_LENGTH} characters, without NUL`);
    return { userId, own };
  }

  private async lookUp(userId: string, own: boolean, claims: JwtPayload): Promise<User> {
    if (!own) return this.externalUser(userId, claims);
    const user = await this.users.findById(userId);
    if (!user) throw unauthorized('The user of this access token no longer exists');
    return user;
  }

  /**
   * The user's id: `sub` in this server's own tokens; in others the configured claim, else `sub`,
   * else `user_id`. An integer is read as its decimal string.
   */
  private userIdOf(claims: JwtPayload, own: boolean): string {
    const claim = own ? undefined : this.config.jwt.external.userIdClaim;
    const value: unknown = claim ? claims[claim] : (claims.sub ?? claims.user_id);
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    return typeof value === 'string' ? value : '';
  }

  /** The user of a token from the platform's identity provider, created on first use. */
  private async externalUser(sub: string, claims: JwtPayload): Promise<User> {
    const existing = await this.users.findById(sub);
    if (existing) return existing;
    const user = this.userFromClaims(sub, claims);
    try {
      return await this.users.create(user);
    } catch (error) {
      if (!(error instanceof UserConflictError)) throw error;
      // The token's email belongs to an account registered here: that account stays separate, and
      // this user gets the made-up address, which no registration can take.
      if (error.field === 'email') {
        if (user.email === madeUpEmail(sub)) throw unauthorized('The address made up for this user belongs to another account');
        return this.externalUser(sub, { ...claims, email: undefined });
      }
      // Two first requests with the same new token raced; the other one created the user.
      const created = await this.users.findById(sub);
      if (!created) throw error;
      return created;
    }
  }

  private userFromClaims(sub: string, claims: JwtPayload) {
    const text = (value: unknown, max: number) => (typeof value === 'string' && value.trim() ? value.trim().slice(0, max) : undefined);
    const email = text(claims.email, 254)?.toLowerCase() ?? madeUpEmail(sub);
    const role: UserRole = ROLES.includes(claims.role as UserRole) ? (claims.role as UserRole) : 'student';
    return {
      id: sub,
      email,
      passwordHash: null,
      displayName: text(claims.name, 100) ?? text(claims.preferred_username, 100) ?? email.split('@')[0],
      avatarUrl: text(claims.picture, 2048) ?? null,
      role,
      externalIssuer: text(claims.iss, 255) ?? 'external',
    };
  }
}

/** The address of a user whose token carries none: in the reserved .invalid domain, which registration refuses. */
const madeUpEmail = (userId: string) => `${userId}@external.invalid`;

/** The longest user id a token may carry (identity providers' ids are far shorter; PostgreSQL's index entries are bounded). */
const MAX_USER_ID_LENGTH = 255;
