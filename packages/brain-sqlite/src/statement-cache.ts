import type Database from 'better-sqlite3';

/** One connection's prepared statements by their SQL: preparing costs more than running most of them. */
export class StatementCache {
  private readonly database: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(database: Database.Database) {
    this.database = database;
  }

  /** The statement for `sql`, prepared on first use. */
  prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.database.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Drops every statement, for a connection that is closing. */
  clear(): void {
    this.statements.clear();
  }
}
