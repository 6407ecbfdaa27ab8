import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { JwtPayload } from 'jsonwebtoken';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthUser } from './auth-user';
import { TokenService } from './token.service';

/** HTTP bearer tokens, checked with the same key choice and claim rules as realtime handshakes. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(private readonly tokens: TokenService) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      algorithms: tokens.acceptedAlgorithms(),
      // The key follows the header's algorithm, so an HMAC token never meets the public key.
      secretOrKeyProvider: (_request: unknown, rawToken: string, done: (error: unknown, key?: string) => void) => {
        try {
          // passport-jwt hands the key to jsonwebtoken, which takes a KeyObject; its types say string.
          done(null, tokens.keyFor(rawToken).key as unknown as string);
        } catch (error) {
          done(error);
        }
      },
    });
  }

  validate(claims: JwtPayload): Promise<AuthUser> {
    return this.tokens.userForClaims(claims);
  }
}
