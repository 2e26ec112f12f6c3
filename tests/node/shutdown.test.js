'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { topic, startProducer, record } = require('./lib');

// The process must exit by itself afterwards: a channel or timer left open would keep it (and this test) running.
test('a Producer starts, sends, and shuts down cleanly', { timeout: 60000 }, async () => {
  const producer = await startProducer();
  const receipt = await producer.send({ topic: topic(), body: Buffer.from('last words') });
  assert.ok(receipt.messageId);
  await producer.shutdown();
  assert.equal(producer.isRunning(), false);
  record({ messageId: receipt.messageId });
});
