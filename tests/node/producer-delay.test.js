'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { topic, startProducer, record } = require('./lib');

test('a delay message is accepted with its delivery timestamp', { timeout: 60000 }, async () => {
  const producer = await startProducer();
  try {
    const deliveryTimestamp = new Date(Date.now() + 3000);
    const receipt = await producer.send({ topic: topic(), tag: 'delayed', deliveryTimestamp, body: Buffer.from('see you later') });
    assert.ok(receipt.messageId);
    record({ messageId: receipt.messageId, deliverAt: deliveryTimestamp.getTime() });
  } finally {
    await producer.shutdown();
  }
});
