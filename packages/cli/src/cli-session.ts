import type { Readable, Writable } from 'node:stream';
import {
  type Astrocyte,
  type AstrocyteContext,
  brainFromConfig,
  checkBankId,
  loadConfigFile,
  parsePrincipal,
} from '@astrocyte/core';

type LoadedConfig = Awaited<ReturnType<typeof loadConfigFile>>;

/** The options every command accepts. */
export interface GlobalOptions {
  config?: string;
  bank?: string;
  json?: boolean;
  /** Who acts, checked against the config's access grants: --principal, else $ASTROCYTE_PRINCIPAL. */
  principal?: string;
  /** The user the principal acts for: --on-behalf-of, else $ASTROCYTE_ON_BEHALF_OF. */
  onBehalfOf?: string;
}

/** Where a command writes: data on `stdout`, progress and messages on `stderr`. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable & { isTTY?: boolean };
}

/** What a command runs with: the global options, the streams, and the brain opened on first use. */
export class CliSession {
  private loaded: Promise<LoadedConfig> | undefined;
  private opened: Promise<Astrocyte> | undefined;

  constructor(
    readonly options: GlobalOptions,
    readonly io: CliIo,
  ) {}

  /** True when the user asked for machine-readable output. */
  get json(): boolean {
    return this.options.json === true;
  }

  /** The validated config: --config, else $ASTROCYTE_CONFIG, else ./astrocyte.yaml, else the embedded default. */
  config(): Promise<LoadedConfig> {
    this.loaded ??= loadConfigFile(this.options.config);
    return this.loaded;
  }

  /**
   * The brain the config describes, opened once. With `existing`, for a command that only reads or removes, only on a
   * store that is already there: a mistyped path is an error instead of a new empty store that finds nothing.
   */
  brain(options: { existing?: boolean } = {}): Promise<Astrocyte> {
    this.opened ??= this.config().then((loaded) => brainFromConfig(loaded, options));
    return this.opened;
  }

  /** The bank to act on: --bank, else $ASTROCYTE_BANK, else the config's `bank`, else "default". */
  async bank(): Promise<string> {
    if (this.options.bank !== undefined) return checkBankId(this.options.bank, 'bankId');
    // A bad bank from the environment is named as such: the user typed no --bank.
    if (process.env.ASTROCYTE_BANK) return checkBankId(process.env.ASTROCYTE_BANK, 'ASTROCYTE_BANK');
    return checkBankId((await this.config()).config.bank ?? 'default', 'bankId');
  }

  /**
   * Who the command acts as: the principal and the user it acts for (an empty variable is an unset one), in canonical
   * form, with `actor` recorded in version history when given.
   */
  context(actor?: string): AstrocyteContext {
    const { principal, onBehalfOf } = this.options;
    return {
      ...(actor ? { actor } : {}),
      ...(principal ? { principal: parsePrincipal(principal, '--principal') } : {}),
      ...(onBehalfOf ? { onBehalfOf: parsePrincipal(onBehalfOf, '--on-behalf-of') } : {}),
    };
  }

  /** Prints `value` as JSON with --json, else the human text. */
  print(value: unknown, human: () => string): void {
    const text = this.json ? JSON.stringify(value, null, 2) : human();
    if (text.length > 0) this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A message for the person at the terminal; never mixed into data on stdout. */
  note(message: string): void {
    this.io.stderr.write(`${message}\n`);
  }

  /** Closes the brain if a command opened one. */
  async close(): Promise<void> {
    if (this.opened) await (await this.opened.catch(() => undefined))?.close();
  }
}
