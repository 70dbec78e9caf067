/**
 * The OpenAPI 3.1 document of the admin API, generated from the route contracts with zod 4's own
 * `z.toJSONSchema`: OpenAPI 3.1 schemas are JSON Schema 2020-12, which is what zod emits, so no adapter sits
 * between the contracts and the document. Requests are described as the client sends them (`io: 'input'`:
 * defaults optional, query numbers as typed), answers as the server sends them (`io: 'output'`).
 */
import { z } from 'zod';
import {
  bindingCheckReportSchema,
  bindingCreateSchema,
  bindingRemovalSchema,
  bindingUpdateSchema,
  bindingViewSchema,
} from '../bindings/binding-contract.ts';
import { directoryExportSchema } from '../directory/directory-contract.ts';
import { runOpViewSchema, runViewSchema } from '../sync/sync-run-contract.ts';
import type { AnyRoute } from './route-contract.ts';

/** The body of every error answer (`AppError.toJSON()` under `error`). */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string().meta({ description: 'Stable dotted code, e.g. `binding.not_found`, `request.invalid`.' }),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

type JsonSchema = Record<string, unknown>;
export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'The request does not parse (`request.invalid`, naming each field) or was refused as bad input.',
  401: 'No admin token (`auth.required`) or an unknown or revoked one (`auth.invalid_token`).',
  404: 'No such object (`binding.not_found`, `run.not_found`, …).',
  409: 'Conflicts with the current state (`binding.corp_id_taken`, `run.not_held`, …).',
  413: 'The body is over 1 MiB (`request.too_large`).',
  415: 'The body is not JSON (`request.unsupported_media_type`).',
  422: 'DingTalk refused (bad credentials, a missing permission, out of scope).',
  500: 'A fault on our side; the details are in the server log only.',
};

/**
 * Builds the document for `routes`.
 *
 * @example
 * const document = buildOpenApiDocument([...bindingRoutes(api), ...runRoutes(api)], { version: '0.1.0', publicUrl });
 */
export function buildOpenApiDocument(
  routes: readonly AnyRoute[],
  info: { version: string; publicUrl: string },
): OpenApiDocument {
  const components = new ComponentSchemas();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const admin = (route.auth ?? 'admin') === 'admin';
    const parameters = [
      ...parametersOf(route.params, 'path', components),
      ...parametersOf(route.query, 'query', components),
    ];
    const responses: Record<string, unknown> = {
      [route.status]: {
        description: route.summary,
        content: { [route.contentType ?? 'application/json']: { schema: components.convert(route.response, 'output') } },
      },
    };
    for (const [status, other] of Object.entries(route.alsoResponds ?? {})) {
      responses[status] = {
        description: other.description,
        content: { 'application/json': { schema: components.convert(other.schema, 'output') } },
      };
    }
    const errorStatuses = new Set<number>(route.errors ?? []);
    if (route.params || route.query || route.body) errorStatuses.add(400);
    if (route.body) errorStatuses.add(413).add(415);
    if (admin) errorStatuses.add(401).add(500);
    for (const status of [...errorStatuses].sort()) {
      responses[status] = {
        description: ERROR_DESCRIPTIONS[status] ?? 'An error.',
        content: { 'application/json': { schema: components.convert(errorBodySchema, 'output') } },
      };
    }
    if (admin) {
      responses.default = {
        description: 'Any other error, in the same body (e.g. 503 `dingtalk.unavailable`, 504 `dingtalk.timeout`).',
        content: { 'application/json': { schema: components.convert(errorBodySchema, 'output') } },
      };
    }
    (paths[path] ??= {})[route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      security: admin ? [{ bearerAuth: [] }] : [],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: !route.bodyOptional,
              content: { 'application/json': { schema: components.convert(route.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Dingbridge admin API',
      version: info.version,
      description:
        'Bindings of DingTalk organizations, sync runs and the directory. Every `/api/v1` route takes ' +
        '`Authorization: Bearer <admin token>` (the server writes one to `DATA_DIR/admin-token` on first start).',
    },
    servers: [{ url: info.publicUrl }],
    tags: [
      { name: 'bindings', description: 'DingTalk organizations bound to the directory' },
      { name: 'runs', description: 'Sync runs and their operations' },
      { name: 'directory', description: 'The local directory' },
      { name: 'operations', description: 'Health, readiness, metrics (no token)' },
    ],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An admin token (`dbt_…`).' } },
      schemas: components.schemas,
    },
  };
}

function parametersOf(schema: z.ZodType | undefined, location: 'path' | 'query', components: ComponentSchemas): unknown[] {
  if (!schema) return [];
  const object = components.convert(schema, 'input');
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((object.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

/** The contract schemas that get a name of their own in `components.schemas`. */
const NAMED = z.registry<{ id: string }>();
NAMED.add(bindingViewSchema, { id: 'BindingView' });
NAMED.add(bindingCreateSchema, { id: 'BindingCreateInput' });
NAMED.add(bindingUpdateSchema, { id: 'BindingUpdateInput' });
NAMED.add(bindingCheckReportSchema, { id: 'BindingCheckReport' });
NAMED.add(bindingRemovalSchema, { id: 'BindingRemoval' });
NAMED.add(runViewSchema, { id: 'RunView' });
NAMED.add(runOpViewSchema, { id: 'RunOpView' });
NAMED.add(directoryExportSchema, { id: 'DirectoryExport' });
NAMED.add(errorBodySchema, { id: 'Error' });

/**
 * The global registry (descriptions from `.meta()`/`.describe()` in the contracts) plus our names. `toJSONSchema`
 * only calls `get` on its `metadata` option, so an object with that one method serves; adding the names to the
 * global registry instead would change every other `toJSONSchema` call in the process.
 */
const WITH_NAMES = {
  get: (schema: z.core.$ZodType) => {
    const global = z.globalRegistry.get(schema);
    const named = NAMED.get(schema);
    return global || named ? { ...global, ...named } : undefined;
  },
} as unknown as typeof NAMED;

/**
 * Converts schemas one at a time and moves each one's `$defs` (named contract types, recursive `z.json()`) into
 * `components.schemas`: a `#/$defs/…` reference inside an OpenAPI document would resolve against the document's
 * root, where there is no `$defs`.
 */
class ComponentSchemas {
  readonly schemas: Record<string, JsonSchema> = {};
  readonly #byContent = new Map<string, string>();

  convert(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const converted = z.toJSONSchema(schema, {
      io,
      target: 'draft-2020-12',
      metadata: WITH_NAMES,
      // Anything without a JSON form (none today) is documented as "any value" rather than failing the server start.
      unrepresentable: 'any',
      reused: 'inline',
      cycles: 'ref',
    }) as JsonSchema;
    const { $schema: _schema, $defs, ...root } = converted;
    const defs = ($defs ?? {}) as Record<string, JsonSchema>;
    const renamed = new Map<string, string>();
    for (const [local, def] of Object.entries(defs)) {
      // Self-references normalised, so the same recursive type (`z.json()`) from two conversions is one component.
      const content = JSON.stringify(def).replaceAll(`"#/$defs/${local}"`, '"#self"');
      const known = this.#byContent.get(content);
      if (known) {
        renamed.set(local, known);
        continue;
      }
      const base = local.startsWith('__') ? 'Json' : local;
      let name = base;
      for (let n = 2; name in this.schemas; n++) name = `${base}${n}`;
      this.schemas[name] = {};
      this.#byContent.set(content, name);
      renamed.set(local, name);
    }
    for (const [local, def] of Object.entries(defs)) {
      const name = renamed.get(local);
      if (name && Object.keys(this.schemas[name] ?? {}).length === 0) {
        const { id: _id, ...rest } = def;
        this.schemas[name] = rewriteRefs(rest, renamed) as JsonSchema;
      }
    }
    return rewriteRefs(root, renamed) as JsonSchema;
  }
}

function rewriteRefs(value: unknown, renamed: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, renamed));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === '$ref' && typeof item === 'string' && item.startsWith('#/$defs/')) {
      const local = item.slice('#/$defs/'.length);
      out[key] = `#/components/schemas/${renamed.get(local) ?? local}`;
    } else {
      out[key] = rewriteRefs(item, renamed);
    }
  }
  return out;
}
