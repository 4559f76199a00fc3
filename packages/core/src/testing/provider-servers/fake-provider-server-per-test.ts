import { afterEach, beforeEach } from 'vitest';
import {
  type FakeProviderServer,
  type FakeProviderServerOptions,
  startFakeProviderServer,
} from './fake-provider-server.js';

/** The fake provider server of the running test, from `fakeProviderServerPerTest`. */
export interface FakeProviderServerPerTest {
  /** The running test's server. */
  readonly server: FakeProviderServer;
  /** Closes the test's server and starts one with other options in its place, for the rest of the test. */
  restart(options?: FakeProviderServerOptions): Promise<FakeProviderServer>;
}

/** Starts a fake provider server before each test of the file and closes it after; call once, at the top level. */
export function fakeProviderServerPerTest(options: FakeProviderServerOptions = {}): FakeProviderServerPerTest {
  let current: FakeProviderServer | undefined;
  beforeEach(async () => {
    current = await startFakeProviderServer(options);
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    get server() {
      if (!current) throw new Error('the fake provider server runs only while a test runs');
      return current;
    },
    async restart(next = {}) {
      await current?.close();
      current = await startFakeProviderServer(next);
      return current;
    },
  };
}
