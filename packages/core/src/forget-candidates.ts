import type { ForgetCandidate } from './governance/forget-policy.js';
import type { ChainMember, MemorySelector, MemoryStore } from './memory-store.js';

/**
 * Every memory a forget's selector reaches, live or superseded, each with its supersession chain for the forget
 * policy. A chunk brings the rest of its document, live or replaced, as forgetting part of a text forgets all of it.
 */
export async function forgetCandidates(
  store: MemoryStore,
  bankId: string,
  selector: MemorySelector,
): Promise<ForgetCandidate[]> {
  const picked = await store.select(bankId, selector);
  const documentIds = [...new Set(picked.flatMap((m) => (m.documentId ? [m.documentId] : [])))];
  const live =
    documentIds.length === 0
      ? picked
      : [...new Map([...picked, ...(await store.select(bankId, { documentIds }))].map((m) => [m.id, m])).values()];
  const members = await store.chains(bankId, selector);
  const chained = new Set(members.map((m) => m.id));
  const unchained = live.filter((m) => !chained.has(m.id)).map((m) => m.id);
  if (unchained.length > 0) members.push(...(await store.chains(bankId, { ids: unchained })));
  const documents = new Set(
    members.flatMap((m) => (m.selected && m.supersededBy !== null && m.documentId ? [m.documentId] : [])),
  );
  // A replaced text's chunks point at its first one, so the chain of any chunk holds them all.
  const superseded = members.filter(
    (m) => m.supersededBy !== null && (m.selected || (m.documentId !== null && documents.has(m.documentId))),
  );
  return withChains([...live, ...superseded], members);
}

/** Live memories by id with their supersession chains, for a purge or a supersede to check for legal holds. */
export async function chainsOf(store: MemoryStore, bankId: string, ids: string[]): Promise<ForgetCandidate[]> {
  const members = await store.chains(bankId, { ids });
  const wanted = new Set(ids);
  return withChains(
    members.filter((m) => wanted.has(m.id)),
    members,
  );
}

// Chains are linked by `supersededBy`; each memory gets every member of its own chain.
function withChains(
  memories: { id: string; createdAt: Date; documentId?: string | null }[],
  members: ChainMember[],
): ForgetCandidate[] {
  const links = new Map<string, string[]>();
  const link = (a: string, b: string) => links.set(a, [...(links.get(a) ?? []), b]);
  for (const member of members) {
    if (member.supersededBy === null) continue;
    link(member.id, member.supersededBy);
    link(member.supersededBy, member.id);
  }
  const byId = new Map(members.map((m) => [m.id, m]));
  return memories.map((memory) => {
    const seen = new Set([memory.id]);
    for (const id of seen) for (const next of links.get(id) ?? []) seen.add(next);
    return {
      memoryId: memory.id,
      createdAt: memory.createdAt,
      documentId: memory.documentId ?? null,
      chain: [...seen].flatMap((id) => {
        const member = byId.get(id);
        return member ? [member] : [];
      }),
    };
  });
}
