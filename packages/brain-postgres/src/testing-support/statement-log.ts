import type pg from 'pg';

/** The statements sent on the pool's connections (pool.query goes through a pooled client too), first words only. */
export class StatementLog {
  readonly statements: string[] = [];
  private readonly wrapped = new WeakSet<pg.PoolClient>();

  constructor(readonly pool: pg.Pool) {
    const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
    const watch = (client: pg.PoolClient | undefined) => {
      if (client && !this.wrapped.has(client)) {
        this.wrapped.add(client);
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        client.query = ((...args: unknown[]) => {
          const first = args[0] as string | { text: string };
          this.statements.push(
            (typeof first === 'string' ? first : first.text).trim().replace(/\s+/g, ' ').slice(0, 40),
          );
          return query(...args);
        }) as typeof client.query;
      }
      return client;
    };
    pool.connect = ((...args: unknown[]) => {
      const callback = args[0];
      if (typeof callback === 'function')
        return connect((error: unknown, client: pg.PoolClient | undefined, done: unknown) =>
          callback(error, watch(client), done),
        );
      return (connect() as Promise<pg.PoolClient>).then(watch);
    }) as typeof pool.connect;
  }

  /** The statements `fn` sends. */
  async during(fn: () => Promise<unknown>): Promise<string[]> {
    const from = this.statements.length;
    await fn();
    return this.statements.slice(from);
  }
}
