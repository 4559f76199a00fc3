import { openAstrocytePeer } from './astrocyte-peer.js';
import { openMastraPeer } from './mastra-peer.js';
import { openMem0Peer } from './mem0-peer.js';
import type { PeerEnvironment, PeerSystem } from './peer-system.js';

/** The systems the peer benchmark can run, in the order its tables list them. */
export const SYSTEM_NAMES = ['astrocyte-sqlite', 'astrocyte-postgres', 'mem0', 'mastra'] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

/** Astrocyte's own systems: the goals compare each of them with the peers. */
export const OUR_SYSTEMS: readonly SystemName[] = ['astrocyte-sqlite', 'astrocyte-postgres'];

const OPENERS: Record<SystemName, (env: PeerEnvironment) => Promise<PeerSystem>> = {
  'astrocyte-sqlite': (env) => openAstrocytePeer('sqlite', env),
  'astrocyte-postgres': (env) => openAstrocytePeer('postgres', env),
  mem0: openMem0Peer,
  mastra: openMastraPeer,
};

/** Opens each named system on fresh storage; if one fails to open, those already open are closed. */
export async function openPeerSystems(
  names: readonly SystemName[],
  env: PeerEnvironment,
): Promise<Map<SystemName, PeerSystem>> {
  const systems = new Map<SystemName, PeerSystem>();
  try {
    for (const name of names) systems.set(name, await OPENERS[name](env));
  } catch (error) {
    await closePeerSystems(systems);
    throw error;
  }
  return systems;
}

/** Closes every system, each even if another fails, and removes what they stored. */
export async function closePeerSystems(systems: Map<SystemName, PeerSystem>): Promise<void> {
  const results = await Promise.allSettled([...systems.values()].map((system) => system.close()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
