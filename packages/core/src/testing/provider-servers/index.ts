export { defaultFakeAnswer, type FakeChatRequest } from './fake-chat.js';
export { fakeEmbeddingVector } from './fake-embedding-vector.js';
export {
  type FakeFault,
  FakeProviderServer,
  type FakeProviderServerOptions,
  type RecordedRequest,
  startFakeProviderServer,
} from './fake-provider-server.js';
export { type FakeProviderServerPerTest, fakeProviderServerPerTest } from './fake-provider-server-per-test.js';
