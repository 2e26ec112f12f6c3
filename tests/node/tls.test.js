'use strict';
// Run by AkkaMq.Proxy.Tests (NodeClientTests) against a node whose akkamq.tls.server-mode is enforcing: the client
// enables TLS with its own option (sslEnabled, which passes grpc-js no CA) and trusts the test CA through grpc-js's
// GRPC_DEFAULT_SSL_ROOTS_FILE_PATH, which the test sets.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Producer, SimpleConsumer } = require('rocketmq-client-nodejs');
const { endpoint, topic, record } = require('./lib');

// The innermost cause of a client error: the grpc-js error the client wrapped (startup wraps the route failure twice).
function rootCause(err) {
  while (err && err.cause) err = err.cause;
  return err;
}

test('over TLS with the test CA a Producer sends and a SimpleConsumer receives', { timeout: 90000 }, async () => {
  assert.ok(process.env.GRPC_DEFAULT_SSL_ROOTS_FILE_PATH, 'GRPC_DEFAULT_SSL_ROOTS_FILE_PATH names the test CA');
  const producer = new Producer({ endpoints: endpoint(), topics: [topic()], requestTimeout: 10000, sslEnabled: true });
  const consumer = new SimpleConsumer({
    consumerGroup: process.env.AKKAMQ_GROUP, endpoints: endpoint(), subscriptions: new Map([[topic(), '*']]),
    awaitDuration: 1000, requestTimeout: 10000, sslEnabled: true,
  });
  try {
    // A failure names the grpc-js error under the client's wrapping (a certificate or name problem shows there).
    await producer.startup().catch(e => { throw new Error(`${e.message}: ${rootCause(e).message}`); });
    await consumer.startup();
    const receipt = await producer.send({ topic: topic(), tag: 'TagA', body: Buffer.from('over tls') });
    let got = [];
    for (let i = 0; i < 40 && got.length === 0; i++) got = await consumer.receive(16, 20000);
    assert.deepEqual(got.map(m => m.messageId), [receipt.messageId]);
    assert.equal(got[0].body.toString(), 'over tls');
    for (const m of got) await consumer.ack(m);
    record({ sent: [receipt.messageId], received: got.map(m => m.messageId) });
  } finally {
    await consumer.shutdown().catch(() => {});
    await producer.shutdown().catch(() => {});
  }
});

test('the same client in plaintext against the enforcing port is refused at the connection', { timeout: 60000 }, async () => {
  const producer = new Producer({ endpoints: endpoint(), topics: [topic()], requestTimeout: 5000 });
  try {
    await assert.rejects(producer.startup(), err => {
      const cause = rootCause(err);
      // 14 UNAVAILABLE: no gRPC answer at all (the TLS port closed the plaintext connection), not a status from the node.
      assert.equal(cause.code, 14, `expected UNAVAILABLE, got ${cause.code}: ${cause.message}`);
      return true;
    });
  } finally {
    await producer.shutdown().catch(() => {});
  }
});
