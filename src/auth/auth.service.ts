import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors';
import { SelfView, toSelfView } from '../users/user.presenter';
import { UserConflictError, UsersRepository } from '../users/users.repository';
import { LoginDto } from './dto/login.dto';
import { RegisterDto } from './dto/register.dto';
import { PasswordHasher } from './password-hasher';
import { TokenService } from './token.service';

export interface Session {
  accessToken: string;
  user: SelfView;
}

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordHasher,
    private readonly tokens: TokenService,
  ) {}

  async register(dto: RegisterDto): Promise<Session> {
    const passwordHash = await this.passwords.hash(dto.password);
    try {
      const user = await this.users.create({
        email: dto.email,
        passwordHash,
        displayName: dto.displayName,
        avatarUrl: dto.avatarUrl ?? null,
        role: dto.role,
      });
      return { accessToken: this.tokens.issue(user), user: toSelfView(user) };
    } catch (error) {
      if (error instanceof UserConflictError)
        throw new AppError('invalid_state', 'This email is already registered', {
          email: ['email is already registered'],
        });
      throw error;
    }
  }

  async login(dto: LoginDto): Promise<Session> {
    const user = await this.users.findByEmail(dto.email);
    // One answer for an unknown email and a wrong password, in the same time.
    const valid = await this.passwords.verify(dto.password, user?.passwordHash);
    if (!user || !valid) throw new AppError('unauthorized', 'Invalid email or password');
    return { accessToken: this.tokens.issue(user), user: toSelfView(user) };
  }
}
