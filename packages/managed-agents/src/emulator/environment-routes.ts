import { archive, bodyObject, found, type Reply, type Route } from './emulator-http.js';
import { invalidRequest, newId } from './emulator-ids.js';

type Params = Record<string, unknown>;

const PACKAGE_MANAGERS = ['apt', 'cargo', 'gem', 'go', 'npm', 'pip'] as const;

/** `client.beta.environments`: create, retrieve, archive, delete. */
export function environmentRoutes(environments: Map<string, Params>): Route[] {
  return [
    ['POST', /^\/v1\/environments$/, (_, body) => createEnvironment(environments, body)],
    ['GET', /^\/v1\/environments\/([^/]+)$/, ([id]) => found(environments.get(id as string), 'environment', id)],
    [
      'POST',
      /^\/v1\/environments\/([^/]+)\/archive$/,
      ([id]) => archive(environments.get(id as string), 'environment', id),
    ],
    [
      'DELETE',
      /^\/v1\/environments\/([^/]+)$/,
      ([id]) => {
        found(environments.get(id as string), 'environment', id);
        environments.delete(id as string);
        return { status: 200, body: { id, type: 'environment_deleted' } };
      },
    ],
  ];
}

function createEnvironment(environments: Map<string, Params>, body: unknown): Reply {
  const input = bodyObject(body);
  if (typeof input.name !== 'string' || input.name.length === 0) throw invalidRequest('name: is required');
  const now = new Date().toISOString();
  const environment = {
    id: newId('env'),
    type: 'environment',
    name: input.name,
    description: input.description ?? null,
    config: resolveConfig((input.config ?? { type: 'cloud' }) as Params),
    metadata: input.metadata ?? {},
    archived_at: null,
    created_at: now,
    updated_at: now,
  };
  environments.set(environment.id, environment);
  return { status: 200, body: environment };
}

/** The config as the platform returns it (`BetaCloudConfig`: networking and packages always present). */
function resolveConfig(config: Params): Params {
  if (config.type === 'self_hosted') return { type: 'self_hosted' };
  if (config.type !== 'cloud') throw invalidRequest(`config.type: must be cloud or self_hosted`);
  const networking = (config.networking ?? { type: 'unrestricted' }) as Params;
  const packages = (config.packages ?? {}) as Params;
  return {
    type: 'cloud',
    networking:
      networking.type === 'limited'
        ? {
            type: 'limited',
            allow_mcp_servers: networking.allow_mcp_servers ?? false,
            allow_package_managers: networking.allow_package_managers ?? false,
            allowed_hosts: networking.allowed_hosts ?? [],
          }
        : { type: 'unrestricted' },
    packages: {
      type: 'packages',
      ...Object.fromEntries(PACKAGE_MANAGERS.map((manager) => [manager, packages[manager] ?? []])),
    },
  };
}
