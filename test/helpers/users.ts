import { randomBytes } from 'node:crypto';
import request from 'supertest';

export type Role = 'student' | 'mentor' | 'tutor';

export interface RegisteredUser {
  id: string;
  email: string;
  password: string;
  displayName: string;
  role: Role;
  token: string;
}

let counter = 0;

/** Registers a new user through the real API; `ca`: the certificate to trust, for an https URL with a self-signed one. */
export async function registerUser(baseUrl: string, role: Role = 'student', name?: string, ca?: string): Promise<RegisteredUser> {
  counter += 1;
  const email = `user${counter}-${randomBytes(4).toString('hex')}@example.test`;
  const password = 'correct horse battery';
  const displayName = name ?? `${role} ${counter}`;
  const post = request(baseUrl).post('/auth/register');
  const response = await (ca ? post.ca(ca) : post).send({ email, password, displayName, role }).expect(201);
  return { id: response.body.user.id, email, password, displayName, role, token: response.body.accessToken };
}
