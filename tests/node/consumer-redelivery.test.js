'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { SimpleConsumer } = require('rocketmq-client-nodejs');
const { endpoint, topic, startProducer, record } = require('./lib');

// The minimum invisible time (10 s): the shortest a redelivery can take.
const INVISIBLE_MS = 10000;

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this script through AkkaMq.Proxy.Tests (NodeClientTests)`);
  return value;
}

function simpleConsumer(group, subscribedTopic) {
  return new SimpleConsumer({
    consumerGroup: group,
    endpoints: endpoint(),
    subscriptions: new Map([[subscribedTopic, '*']]),
    awaitDuration: 500,
    requestTimeout: 10000,
  });
}

// Receives until every id in `ids` came, failing after `withinMs`; returns every message received, duplicates too.
async function receiveUntil(consumer, ids, withinMs) {
  const all = [];
  const deadline = Date.now() + withinMs;
  while (!ids.every(id => all.some(m => m.messageId === id)) && Date.now() < deadline) {
    for (const m of await consumer.receive(16, INVISIBLE_MS)) all.push(Object.assign(m, { arrivedAt: Date.now() }));
  }
  return all;
}

// The AkkaMq.Proxy.Tests side (NodeClientTests) makes the topic with one queue, and the group AKKAMQ_DLQ_GROUP with
// retryMaxTimes 0 (max attempts 1) before this runs; AKKAMQ_GROUP keeps the defaults (max attempts 17).
test('acked messages never come again, unacked ones come after the invisible time with delivery attempt + 1, and past max attempts go to %DLQ%group',
  { timeout: 90000 }, async () => {
    const group = env('AKKAMQ_GROUP');
    const dlqGroup = env('AKKAMQ_DLQ_GROUP');
    const dlqTopic = `%DLQ%${dlqGroup}`;
    const producer = await startProducer();
    const consumer = simpleConsumer(group, topic());
    const expiring = simpleConsumer(dlqGroup, topic());
    const dlqReader = simpleConsumer(`${group}-dlq-reader`, dlqTopic);
    try {
      await consumer.startup();
      await expiring.startup();
      const sent = [];
      for (let i = 0; i < 3; i++) {
        const receipt = await producer.send({
          topic: topic(), tag: 'retry', keys: [`key-${i}`], properties: new Map([['index', String(i)]]), body: Buffer.from([i, 0, 255]),
        });
        sent.push(receipt.messageId);
      }

      // First deliveries: both groups get every message, attempt 1; the first group acks one of them.
      const receivedAt = Date.now();
      const first = await receiveUntil(consumer, sent, 20000);
      const firstExpiring = await receiveUntil(expiring, sent, 20000);
      assert.deepEqual(first.map(m => m.messageId).sort(), [...sent].sort(), 'each message is delivered once to the group');
      assert.deepEqual(firstExpiring.map(m => m.messageId).sort(), [...sent].sort(), 'each message is delivered once to the expiring group');
      assert.deepEqual([...first, ...firstExpiring].map(m => m.deliveryAttempt), [1, 1, 1, 1, 1, 1]);
      const acked = first.find(m => m.messageId === sent[0]);
      await consumer.ack(acked);
      assert.deepEqual((await consumer.receive(16, INVISIBLE_MS)).map(m => m.messageId), [], 'nothing comes while the others are invisible');

      // Redelivery: the two unacked messages come again once their invisible time ran out, attempt 2; the acked one never.
      const again = await receiveUntil(consumer, sent.slice(1), 30000);
      const elapsed = Math.min(...again.map(m => m.arrivedAt)) - receivedAt;
      assert.deepEqual(again.map(m => m.messageId).sort(), sent.slice(1).sort(), 'exactly the unacked messages come again, once each');
      assert.deepEqual(again.map(m => m.deliveryAttempt), [2, 2], 'the redelivery carries delivery attempt 2');
      assert.ok(elapsed >= INVISIBLE_MS, `redelivered ${elapsed} ms after the receive, before the invisible time ${INVISIBLE_MS} ms`);
      for (const m of again) {
        assert.equal(m.tag, 'retry');
        assert.equal(m.properties.get('index'), String(sent.indexOf(m.messageId)));
      }
      for (const m of again) await consumer.ack(m);
      assert.deepEqual((await consumer.receive(16, INVISIBLE_MS)).map(m => m.messageId), [], 'acked messages are not received again');

      // Max attempts 1: the expiring group's messages went to its DLQ, where a consumer of %DLQ%group reads them intact.
      // The DLQ topic exists from the first dead letter on; the client retries its route for a few seconds at start.
      await dlqReader.startup();
      const dead = await receiveUntil(dlqReader, sent, 30000);
      assert.deepEqual(dead.map(m => m.messageId).sort(), [...sent].sort(), `every message is in ${dlqTopic} once`);
      for (const m of dead) {
        const i = sent.indexOf(m.messageId);
        assert.ok(!m.corrupted, `message ${m.messageId}: the body digest matches`);
        assert.equal(m.tag, 'retry');
        assert.deepEqual(m.keys, [`key-${i}`]);
        assert.equal(m.properties.get('index'), String(i));
        assert.deepEqual([...m.body], [i, 0, 255]);
        await dlqReader.ack(m);
      }
      assert.deepEqual((await expiring.receive(16, INVISIBLE_MS)).map(m => m.messageId), [], 'a dead-lettered message is done for its group');
      record({ sent, dlqTopic });
    } finally {
      await dlqReader.shutdown().catch(() => {}); // after a failed start too: its timers would keep the process alive
      await expiring.shutdown();
      await consumer.shutdown();
      await producer.shutdown();
    }
  });
