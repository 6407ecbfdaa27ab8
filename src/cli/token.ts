// npm run token -- --user <id> [--role student|mentor|tutor|admin] [--name "Ada"] [--expires 1h]
// Prints an access token for a user, for support and testing: signed with JWT_SECRET (from the
// environment or .env) as the platform's own backend would sign it, so a user the server has not
// seen is created on first use from its claims, and an existing one is simply signed in.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { JwtService } from '@nestjs/jwt';
import { loadConfig } from '../config/app-config';
import { durationSeconds } from '../config/env-parsers';

const USAGE = 'usage: npm run token -- --user <id> [--role student|mentor|tutor|admin] [--name "Ada"] [--expires 1h]';

function main(): void {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const { values } = parseArgs({
    options: {
      user: { type: 'string' },
      role: { type: 'string', default: 'student' },
      name: { type: 'string' },
      expires: { type: 'string', default: '1h' },
    },
  });
  if (!values.user) throw new Error(USAGE);
  if (!['student', 'mentor', 'tutor', 'admin'].includes(values.role))
    throw new Error(`--role must be student, mentor, tutor or admin\n${USAGE}`);
  const config = loadConfig(process.env);
  if (config.jwt.usesDevelopmentSecret) console.error('JWT_SECRET is not set: this token is signed with the public development secret.');
  const { issuer, audience } = config.jwt.external;
  const claims = { role: values.role, ...(values.name ? { name: values.name } : {}), token_type: 'access' };
  const token = new JwtService().sign(claims, {
    secret: config.jwt.secret,
    algorithm: 'HS256',
    subject: values.user,
    expiresIn: durationSeconds({ EXPIRES: values.expires }, 'EXPIRES', '1h'),
    ...(issuer ? { issuer } : {}),
    ...(audience ? { audience } : {}),
  });
  console.log(token);
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
