'use strict';
// Run by AkkaMq.Proxy.Tests (GrpcSecurityTests) against a node with akkamq.auth on: AKKAMQ_ACCESS_KEY and
// AKKAMQ_SECRET_KEY are a user allowed to Pub and Sub the topic and Sub the group.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Producer, SimpleConsumer } = require('rocketmq-client-nodejs');
const { endpoint, topic, record } = require('./lib');

const credentials = () => ({ accessKey: process.env.AKKAMQ_ACCESS_KEY, accessSecret: process.env.AKKAMQ_SECRET_KEY });

test('with access key and secret the client sends and a SimpleConsumer receives', { timeout: 90000 }, async () => {
  const producer = new Producer({ endpoints: endpoint(), topics: [topic()], requestTimeout: 10000, sessionCredentials: credentials() });
  const consumer = new SimpleConsumer({
    consumerGroup: process.env.AKKAMQ_GROUP, endpoints: endpoint(), subscriptions: new Map([[topic(), '*']]),
    awaitDuration: 1000, requestTimeout: 10000, sessionCredentials: credentials(),
  });
  try {
    await producer.startup();
    await consumer.startup();
    const receipt = await producer.send({ topic: topic(), tag: 'TagA', body: Buffer.from('signed') });
    let got = [];
    for (let i = 0; i < 40 && got.length === 0; i++) got = await consumer.receive(16, 20000);
    assert.deepEqual(got.map(m => m.messageId), [receipt.messageId]);
    for (const m of got) await consumer.ack(m);
    record({ sent: [receipt.messageId] });
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
  }
});

test('without credentials the send is refused', { timeout: 60000 }, async () => {
  const producer = new Producer({ endpoints: endpoint(), topics: [topic()], requestTimeout: 10000 });
  try {
    await assert.rejects(async () => {
      await producer.startup();
      await producer.send({ topic: topic(), body: Buffer.from('unsigned') });
    // The client wraps the refused QueryRoute (UNAUTHORIZED) of its startup as a route failure.
    }, err => /40100|UNAUTHORIZED|no credentials|Failed to fetch topic routes/i.test(`${err.message} ${err.code}`));
  } finally {
    await producer.shutdown().catch(() => {});
  }
});
