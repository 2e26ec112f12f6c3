'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { topic, startProducer, record } = require('./lib');

test('FIFO messages of several message groups, interleaved, are sent in order', { timeout: 60000 }, async () => {
  const producer = await startProducer();
  try {
    const groups = ['orders-1', 'orders-2', 'orders-3'];
    const sent = [];
    for (let i = 0; i < 4; i++) {
      for (const group of groups) {
        const receipt = await producer.send({ topic: topic(), messageGroup: group, tag: 'fifo', body: Buffer.from(`${group}:${i}`) });
        assert.ok(receipt.messageId);
        sent.push({ messageId: receipt.messageId, group, body: `${group}:${i}` });
      }
    }
    record(sent);
  } finally {
    await producer.shutdown();
  }
});
