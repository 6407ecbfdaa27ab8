import request from 'supertest';

/** supertest requests carrying a user's access token, for `.expect(...)` as usual. */
export interface AuthorizedRequests {
  get: (path: string) => request.Test;
  /** Sends `body` as JSON when given; without it, the request is left for `.attach()` or `.send()`. */
  post: (path: string, body?: object) => request.Test;
  put: (path: string, body: object) => request.Test;
  delete: (path: string) => request.Test;
}

/** Requests to the app at `baseUrl` as `user` (`Authorization: Bearer <token>`). */
export function authorized(baseUrl: string, user: { token: string }): AuthorizedRequests {
  const auth = (test: request.Test) => test.set('Authorization', `Bearer ${user.token}`);
  return {
    get: (path) => auth(request(baseUrl).get(path)),
    post: (path, body) => {
      const test = auth(request(baseUrl).post(path));
      return body === undefined ? test : test.send(body);
    },
    put: (path, body) => auth(request(baseUrl).put(path)).send(body),
    delete: (path) => auth(request(baseUrl).delete(path)),
  };
}
