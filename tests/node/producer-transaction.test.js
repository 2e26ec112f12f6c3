'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { Producer, SimpleConsumer } = require('rocketmq-client-nodejs');
const { endpoint, topic, record } = require('./lib');

// TransactionResolution of apache/rocketmq/v2/definition.proto (the package does not export the enum).
const COMMIT = 1;
const ROLLBACK = 2;

// Resolves once the checker has been asked about the message with this body, or fails after timeoutMs.
function checked(asked, body, timeoutMs) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (asked.has(body)) {
        clearInterval(poll);
        resolve(asked.get(body));
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`the server never asked the checker about '${body}' within ${timeoutMs} ms`));
      }
    }, 100);
  });
}

test('a transaction producer commits one message, rolls one back and answers a check-back; a SimpleConsumer gets the committed ones once', { timeout: 110000 }, async () => {
  const asked = new Map(); // body -> message id the check named
  const producer = new Producer({
    endpoints: endpoint(),
    topics: [topic()],
    requestTimeout: 10000,
    checker: {
      async check(messageView) {
        const body = messageView.body.toString();
        asked.set(body, messageView.messageId);
        return body === 'tx-unknown-then-commit' ? COMMIT : ROLLBACK;
      },
    },
  });
  const consumer = new SimpleConsumer({
    consumerGroup: `node-tx-${topic()}`,
    endpoints: endpoint(),
    subscriptions: new Map([[topic(), '*']]),
    awaitDuration: 1000,
    requestTimeout: 10000,
  });
  await producer.startup();
  try {
    await consumer.startup();

    const committed = producer.beginTransaction();
    const committedReceipt = await producer.send({ topic: topic(), tag: 'tx', keys: ['tx-commit'], body: Buffer.from('tx-commit') }, committed);
    assert.ok(committedReceipt.transactionId, 'the receipt of a half message carries a transaction id');
    await committed.commit();

    const rolledBack = producer.beginTransaction();
    const rolledBackReceipt = await producer.send({ topic: topic(), tag: 'tx', keys: ['tx-rollback'], body: Buffer.from('tx-rollback') }, rolledBack);
    await rolledBack.rollback();

    // Neither committed nor rolled back: the broker asks the producer (RecoverOrphanedTransactionCommand), the checker commits.
    const unknown = producer.beginTransaction();
    const unknownReceipt = await producer.send({ topic: topic(), tag: 'tx', keys: ['tx-unknown'], body: Buffer.from('tx-unknown-then-commit') }, unknown);
    const checkedId = await checked(asked, 'tx-unknown-then-commit', 60000);
    assert.equal(checkedId, unknownReceipt.messageId, 'the check-back names the half message');

    const expected = [committedReceipt.messageId, unknownReceipt.messageId];
    const got = new Map();
    for (let i = 0; i < 60 && got.size < expected.length; i++) {
      for (const m of await consumer.receive(16, 20000)) {
        assert.ok(!got.has(m.messageId), `message ${m.messageId} was received twice`);
        got.set(m.messageId, m);
        await consumer.ack(m);
      }
    }
    assert.deepEqual([...got.keys()].sort(), [...expected].sort(), 'the committed message and the checked-and-committed one are received');
    // Every queue asked a few more times: the rolled-back message never comes, the committed ones not again.
    const again = [];
    for (let i = 0; i < 8; i++) again.push(...await consumer.receive(16, 20000));
    assert.deepEqual(again.map(m => m.body.toString()), [], 'nothing else is received: not the rolled-back message, no second copy');
    assert.ok(!asked.has('tx-commit') && !asked.has('tx-rollback'), 'resolved transactions are not checked');
    record({
      committed: expected,
      rolledBack: rolledBackReceipt.messageId,
      received: [...got.keys()],
    });
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
  }
});
