'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { topic, startProducer, record } = require('./lib');

test('a Producer sends normal messages with tags, keys, properties and a binary body', { timeout: 60000 }, async () => {
  const producer = await startProducer();
  try {
    const sent = [];
    for (let i = 0; i < 3; i++) {
      const body = Buffer.from([0, 255, 128, i, 10, 13, 0xc3]); // not valid UTF-8
      const receipt = await producer.send({
        topic: topic(),
        tag: `tag-${i}`,
        keys: [`key-${i}`, `order-${i}`],
        properties: new Map([['index', String(i)], ['source', 'node-client']]),
        body,
      });
      assert.ok(receipt.messageId, 'the receipt carries the message id');
      assert.ok(receipt.offset >= 0, `offset ${receipt.offset}`);
      sent.push({ messageId: receipt.messageId, tag: `tag-${i}`, keys: `key-${i} order-${i}`, index: String(i), body: body.toString('base64') });
    }
    record(sent);
  } finally {
    await producer.shutdown();
  }
});
