import { RequestMethod, type INestApplication, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';

export { RouteParamtypes };

interface RouterLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/** `/calls/:id/room` as OpenAPI writes it: `/calls/{id}/room`. Any other Express path syntax is refused, not guessed at. */
export function toOpenApiPath(expressPath: string): string {
  const path = expressPath.replace(/:(\w+)/g, '{$1}');
  if (/[*?()]|\{(?!\w+\})/.test(path)) throw new Error(`Route ${expressPath} uses path syntax this helper does not translate`);
  return path;
}

/**
 * Every route on the running app's Express router, as `GET /calls/{id}`: whatever registered it
 * (Nest's controllers, or handlers put on the HTTP adapter directly), not what anyone documented.
 */
export function expressRoutes(app: INestApplication): string[] {
  const express: { router: { stack: RouterLayer[] } } = app.getHttpAdapter().getInstance();
  return express.router.stack.flatMap(({ route }) => {
    if (!route) return [];
    const paths = Array.isArray(route.path) ? route.path : [route.path];
    const methods = Object.keys(route.methods).filter((method) => route.methods[method] && method !== '_all');
    return paths.flatMap((path) => methods.map((method) => `${method.toUpperCase()} ${toOpenApiPath(path)}`));
  });
}

/**
 * What each controller handler reads from the request (`@Body()`, `@Query()`, `@UploadedFile()` …),
 * by route as OpenAPI names it, from Nest's own route metadata.
 */
export function handlerInputs(app: INestApplication): Map<string, Set<RouteParamtypes>> {
  const inputs = new Map<string, Set<RouteParamtypes>>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (!metatype) continue;
      const prototype = (metatype as Type).prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function') continue;
        const path: unknown = Reflect.getMetadata(PATH_METADATA, handler);
        if (typeof path !== 'string') continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const segments = [Reflect.getMetadata(PATH_METADATA, metatype) as string, path].flatMap((part) => part.split('/')).filter(Boolean);
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, metatype, name) ?? {}) as Record<string, unknown>;
        // Built-in parameter decorators are keyed `<RouteParamtypes>:<index>`; custom ones (@CurrentUser) carry an id instead.
        const types = Object.keys(args)
          .map((key) => Number(key.split(':')[0]))
          .filter((type) => Number.isInteger(type));
        inputs.set(`${method} ${toOpenApiPath(`/${segments.join('/')}`)}`, new Set(types));
      }
    }
  }
  return inputs;
}
