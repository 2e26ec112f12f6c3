'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { SimpleConsumer } = require('rocketmq-client-nodejs');
const { endpoint, topic, startProducer, record } = require('./lib');

// The AkkaMq.Proxy.Tests side (NodeClientTests) makes the topic FIFO (message.type=FIFO) with two queues, and the
// group AKKAMQ_GROUP orderly (consumeMessageOrderly) before this runs.
test('a FIFO group receives each message group in send order, and a batch in flight holds back the rest of its queue until acked',
  { timeout: 90000 }, async () => {
    const group = process.env.AKKAMQ_GROUP;
    assert.ok(group, 'AKKAMQ_GROUP is not set: run this script through AkkaMq.Proxy.Tests (NodeClientTests)');
    const queues = 2;
    const producer = await startProducer();
    const consumer = new SimpleConsumer({
      consumerGroup: group,
      endpoints: endpoint(),
      subscriptions: new Map([[topic(), '*']]),
      awaitDuration: 300,
      requestTimeout: 10000,
    });
    try {
      await consumer.startup();
      const groups = ['orders-a', 'orders-b', 'orders-c'];
      const sent = [];
      for (let i = 0; i < 4; i++) {
        for (const g of groups) {
          const receipt = await producer.send({ topic: topic(), messageGroup: g, tag: 'fifo', body: Buffer.from(`${g}:${i}`) });
          sent.push({ messageId: receipt.messageId, group: g, body: `${g}:${i}` });
        }
      }

      // Each receive takes one queue's next batch (any queue of the topic, as Apache's proxy serves it). Until the
      // batches are acked, no later message of their queues comes: a round ends empty after at most one batch per queue.
      const received = [];
      for (let round = 0; round < 20 && received.length < sent.length; round++) {
        const batches = [];
        for (let b = 0; b <= queues; b++) {
          const batch = await consumer.receive(2, 30000);
          if (batch.length === 0) break;
          batches.push(batch);
        }
        const shown = batches.map(batch => batch.map(m => m.body.toString()).join(' '));
        assert.ok(batches.length <= queues, `round ${round}: ${batches.length} batches came for ${queues} queues while none was acked: ${shown.join(' | ')}`);
        for (const m of batches.flat()) {
          assert.equal(m.deliveryAttempt, 1, `${m.body.toString()} is a first delivery`);
          received.push({ messageId: m.messageId, group: m.messageGroup, body: m.body.toString() });
          await consumer.ack(m);
        }
      }

      assert.equal(received.length, sent.length, `${received.length} of ${sent.length} messages received`);
      for (const g of groups) {
        assert.deepEqual(received.filter(m => m.group === g).map(m => m.body), sent.filter(m => m.group === g).map(m => m.body),
          `message group ${g} is received once each, in send order`);
      }
      const again = await consumer.receive(2, 30000);
      assert.deepEqual(again.map(m => m.body.toString()), [], 'acked messages are not received again');
      record({ sent, received });
    } finally {
      await consumer.shutdown();
      await producer.shutdown();
    }
  });
