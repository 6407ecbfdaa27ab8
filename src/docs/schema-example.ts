import { isObject, type Json, type JsonObject } from './asyncapi-model';

const SCHEMA_REF = '#/components/schemas/';
/** Deep enough for every payload in the document; a self-referencing schema stops here. */
const MAX_DEPTH = 8;

/**
 * A plausible message for a schema: its own `example`, `const`, first `enum` value or `default`
 * where it has one, else a value of its type (every property of an object, one item of an array,
 * the first choice of a `oneOf`). For events the document gives no example of.
 */
export function exampleOf(schema: Json | undefined, schemas: ReadonlyMap<string, Json>, depth = 0): Json | undefined {
  if (!isObject(schema) || depth > MAX_DEPTH) return undefined;
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith(SCHEMA_REF)) {
    return exampleOf(schemas.get(schema.$ref.slice(SCHEMA_REF.length)), schemas, depth + 1);
  }
  if ('example' in schema) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('default' in schema) return schema.default;
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'object') return objectExample(schema, schemas, depth);
  for (const choice of [schema.oneOf, schema.anyOf]) {
    if (Array.isArray(choice) && choice.length > 0) return exampleOf(choice[0], schemas, depth + 1);
  }
  if (Array.isArray(schema.allOf)) {
    const parts = schema.allOf.map((part) => exampleOf(part, schemas, depth + 1));
    if (!parts.every(isObject)) return parts.find((part) => part !== undefined);
    const merged: JsonObject = {};
    for (const part of parts) Object.assign(merged, part);
    return merged;
  }
  switch (type) {
    case 'array': {
      const item = exampleOf(schema.items, schemas, depth + 1);
      return item === undefined ? [] : [item];
    }
    case 'string':
      return stringExample(schema);
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return undefined;
  }
}

/**
 * Every property; where the object is `oneOf` sets of required fields (two dialects' field names),
 * those of the first set, and none that only another set asks for.
 */
function objectExample(schema: JsonObject, schemas: ReadonlyMap<string, Json>, depth: number): JsonObject {
  const requiredBy = (choice: Json) => (isObject(choice) && Array.isArray(choice.required) ? (choice.required as string[]) : []);
  const [chosen, ...others] = Array.isArray(schema.oneOf) ? schema.oneOf : [];
  const kept = new Set(requiredBy(chosen ?? null));
  const otherSets = new Set(others.flatMap(requiredBy));
  const out: JsonObject = {};
  for (const [field, property] of Object.entries(isObject(schema.properties) ? schema.properties : {})) {
    if (otherSets.has(field) && !kept.has(field)) continue;
    const value = exampleOf(property, schemas, depth + 1);
    if (value !== undefined) out[field] = value;
  }
  return out;
}

function stringExample(schema: JsonObject): string {
  switch (schema.format) {
    case 'date-time':
      return '2026-01-15T16:30:00.000Z';
    case 'uuid':
      return '3f2b9c1e-8a47-4f3a-9a51-2f0c5d7e1b20';
    case 'uri':
      return 'https://example.com/';
    case 'email':
      return 'ada@example.com';
    default:
      return 'text';
  }
}
