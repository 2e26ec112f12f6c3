'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { SimpleConsumer } = require('rocketmq-client-nodejs');
const { endpoint, topic, startProducer, record } = require('./lib');

// Receives until every expected id came (each receive takes one queue of the route), or fails after the attempts.
async function receiveAll(consumer, ids, attempts) {
  const got = new Map();
  for (let i = 0; i < attempts && got.size < ids.length; i++) {
    for (const m of await consumer.receive(16, 20000)) got.set(m.messageId, m);
  }
  return got;
}

test('a SimpleConsumer receives, changes invisible duration, acks, and acked messages are not received again', { timeout: 90000 }, async () => {
  const producer = await startProducer();
  const consumer = new SimpleConsumer({
    consumerGroup: `node-simple-${topic()}`,
    endpoints: endpoint(),
    subscriptions: new Map([[topic(), '*']]),
    awaitDuration: 1000,
    requestTimeout: 10000,
  });
  try {
    await consumer.startup();
    const sent = [];
    for (let i = 0; i < 3; i++) {
      const receipt = await producer.send({ topic: topic(), tag: 'TagA', keys: [`key-${i}`], body: Buffer.from(`simple-${i}`) });
      sent.push(receipt.messageId);
    }
    const got = await receiveAll(consumer, sent, 40);
    assert.deepEqual([...got.keys()].sort(), [...sent].sort(), 'every sent message is received once');
    for (const m of got.values()) {
      assert.ok(!m.corrupted, `message ${m.messageId}: the body digest matches`);
      assert.equal(m.tag, 'TagA');
      assert.match(m.body.toString(), /^simple-\d$/);
    }
    const first = got.values().next().value;
    const oldHandle = first.receiptHandle;
    await consumer.changeInvisibleDuration(first, 30000);
    assert.notEqual(first.receiptHandle, oldHandle, 'ChangeInvisibleDuration gave a new receipt handle');
    for (const m of got.values()) await consumer.ack(m);

    // Every queue of the route is asked a few times: nothing comes back after the acks.
    const again = [];
    for (let i = 0; i < 8; i++) again.push(...await consumer.receive(16, 20000));
    assert.deepEqual(again.map(m => m.messageId), [], 'acked messages are not received again');
    record({ received: [...got.keys()] });
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
  }
});
