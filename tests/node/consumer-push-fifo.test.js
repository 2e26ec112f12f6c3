'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { PushConsumer, ConsumeResult } = require('rocketmq-client-nodejs');
const { endpoint, topic, startProducer, record } = require('./lib');
const { waitFor } = require('./push-lib');

// AkkaMq.Proxy.Tests makes the group orderly (consumeMessageOrderly) first: QueryAssignment then hands out each queue.
test('a PushConsumer of a FIFO group consumes each message group in the order it was sent', { timeout: 120000 }, async () => {
  const producer = await startProducer();
  const consumed = new Map(); // message group -> bodies in consumption order
  const consumer = new PushConsumer({
    consumerGroup: `node-push-fifo-${topic()}`,
    endpoints: endpoint(),
    subscriptions: new Map([[topic(), '*']]),
    requestTimeout: 10000,
    messageListener: {
      consume(message) {
        const bodies = consumed.get(message.messageGroup) ?? [];
        bodies.push(message.body.toString());
        consumed.set(message.messageGroup, bodies);
        return ConsumeResult.SUCCESS;
      },
    },
  });
  try {
    await consumer.startup();
    const groups = ['orders-1', 'orders-2', 'orders-3'];
    const sent = new Map(groups.map(g => [g, []]));
    for (let i = 0; i < 4; i++) {
      for (const group of groups) {
        await producer.send({ topic: topic(), messageGroup: group, body: Buffer.from(`${group}:${i}`) });
        sent.get(group).push(`${group}:${i}`);
      }
    }
    const count = () => [...consumed.values()].reduce((n, b) => n + b.length, 0);
    await waitFor(() => count() >= 12, 90000, () => `consumed so far ${JSON.stringify(Object.fromEntries(consumed))}`);
    for (const group of groups) assert.deepEqual(consumed.get(group), sent.get(group), `message group ${group} in order, each once`);
    record({ consumed: count() });
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
  }
});
