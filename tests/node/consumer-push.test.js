'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { PushConsumer, ConsumeResult } = require('rocketmq-client-nodejs');
const { endpoint, topic, startProducer, record } = require('./lib');
const { waitFor } = require('./push-lib');

test('a PushConsumer consumes each message once, gets a failed one again with a higher attempt, and shuts down cleanly', { timeout: 120000 }, async () => {
  const producer = await startProducer();
  const deliveries = new Map(); // message id -> delivery attempts seen by the listener
  const consumer = new PushConsumer({
    consumerGroup: `node-push-${topic()}`,
    endpoints: endpoint(),
    subscriptions: new Map([[topic(), '*']]),
    requestTimeout: 10000,
    messageListener: {
      consume(message) {
        const attempts = deliveries.get(message.messageId) ?? [];
        attempts.push(message.deliveryAttempt);
        deliveries.set(message.messageId, attempts);
        // The first delivery of the 'Fail' message fails: the client nacks it (ChangeInvisibleDuration) and it comes again.
        return message.tag === 'Fail' && attempts.length === 1 ? ConsumeResult.FAILURE : ConsumeResult.SUCCESS;
      },
    },
  });
  let shutDown = false;
  try {
    await consumer.startup();
    const sent = [];
    for (let i = 0; i < 4; i++) {
      const receipt = await producer.send({ topic: topic(), tag: 'Ok', keys: [`push-${i}`], body: Buffer.from(`push-${i}`) });
      sent.push(receipt.messageId);
    }
    const failing = (await producer.send({ topic: topic(), tag: 'Fail', body: Buffer.from('push-fail') })).messageId;
    const seen = () => JSON.stringify(Object.fromEntries(deliveries));
    await waitFor(() => sent.every(id => deliveries.has(id)) && (deliveries.get(failing)?.length ?? 0) >= 2, 90000,
      () => `deliveries so far ${seen()}`);

    const [first, second] = deliveries.get(failing);
    assert.ok(second > first, `the failed message came again with a higher attempt (${first} then ${second})`);
    for (const id of sent) assert.equal(deliveries.get(id).length, 1, `message ${id} was consumed once: ${seen()}`);
    await consumer.shutdown();
    shutDown = true;
    assert.equal(deliveries.get(failing).length, 2, `the message consumed on its second attempt is not delivered again: ${seen()}`);
    record({ consumed: sent.length + 1, attempts: [first, second] });
  } finally {
    if (!shutDown) await consumer.shutdown();
    await producer.shutdown();
  }
});
