'use strict';
// Run by AkkaMq.Proxy.Tests (GrpcSecurityTests) against a node with akkamq.auth on: AKKAMQ_ACCESS_KEY and
// AKKAMQ_SECRET_KEY are a user allowed to Pub and Sub the topic and Sub the group, not to Pub AKKAMQ_FORBIDDEN_TOPIC.
const crypto = require('node:crypto');
const path = require('node:path');
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

// The innermost cause of a client error: what the client wrapped (startup wraps the route failure twice).
function rootCause(err) {
  while (err && err.cause) err = err.cause;
  return err;
}

test('without credentials the client startup is refused with UNAUTHORIZED naming the problem', { timeout: 60000 }, async () => {
  const producer = new Producer({ endpoints: endpoint(), topics: [topic()], requestTimeout: 10000 });
  try {
    await assert.rejects(producer.startup(), err => {
      // The client turns the refused QueryRoute's status into its UnauthorizedException, under two wrappers.
      const cause = rootCause(err);
      assert.equal(cause.code, 40100, `expected UNAUTHORIZED 40100, got ${cause.code}: ${cause.message}`);
      assert.match(cause.message, /no credentials/);
      return true;
    });
  } finally {
    await producer.shutdown().catch(() => {});
  }
});

// The generated stubs the client package ships, called with grpc-js directly: the status the node answers, unwrapped.
const clientDir = path.dirname(require.resolve('rocketmq-client-nodejs/package.json'));
const grpc = require(require.resolve('@grpc/grpc-js', { paths: [clientDir] }));
const { MessagingServiceClient } = require(path.join(clientDir, 'proto/apache/rocketmq/v2/service_grpc_pb'));
const service = require(path.join(clientDir, 'proto/apache/rocketmq/v2/service_pb'));
const definition = require(path.join(clientDir, 'proto/apache/rocketmq/v2/definition_pb'));
const { Timestamp } = require(require.resolve('google-protobuf/google/protobuf/timestamp_pb', { paths: [clientDir] }));

// RocketMQ's signature headers, as the official clients send them: hex HMAC-SHA1(secret, x-mq-date-time).
function metadata(accessKey, secret) {
  const m = new grpc.Metadata();
  const dateTime = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  m.set('x-mq-date-time', dateTime);
  if (accessKey) {
    const signature = crypto.createHmac('sha1', secret).update(dateTime).digest('hex').toUpperCase();
    m.set('authorization', `MQv2-HMAC-SHA1 Credential=${accessKey}, SignedHeaders=x-mq-date-time, Signature=${signature}`);
  }
  return m;
}

function call(method, request, md) {
  const client = new MessagingServiceClient(endpoint(), grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => client[method](request, md, { deadline: Date.now() + 10000 }, (e, res) => {
    client.close();
    return e ? reject(e) : resolve(res.getStatus().toObject());
  }));
}

const queryRoute = (t, md) => call('queryRoute', new service.QueryRouteRequest().setTopic(new definition.Resource().setName(t)), md);

function sendRequest(t) {
  const props = new definition.SystemProperties().setMessageId(`01${crypto.randomUUID().replace(/-/g, '').toUpperCase()}`)
    .setBornTimestamp(Timestamp.fromDate(new Date())).setBornHost('node-test').setBodyEncoding(definition.Encoding.IDENTITY)
    .setMessageType(definition.MessageType.NORMAL);
  const message = new definition.Message().setTopic(new definition.Resource().setName(t)).setBody(Buffer.from('refused?')).setSystemProperties(props);
  return new service.SendMessageRequest().setMessagesList([message]);
}

test('QueryRoute over grpc-js: no credentials and a wrong secret answer UNAUTHORIZED 40100 naming the problem', { timeout: 60000 }, async () => {
  const none = await queryRoute(topic(), metadata());
  assert.equal(none.code, definition.Code.UNAUTHORIZED);
  assert.equal(none.code, 40100);
  assert.match(none.message, /no credentials/);
  const wrong = await queryRoute(topic(), metadata(process.env.AKKAMQ_ACCESS_KEY, 'not-the-secret'));
  assert.equal(wrong.code, 40100);
  assert.match(wrong.message, new RegExp(process.env.AKKAMQ_ACCESS_KEY));
  const signed = await queryRoute(topic(), metadata(process.env.AKKAMQ_ACCESS_KEY, process.env.AKKAMQ_SECRET_KEY));
  assert.equal(signed.code, definition.Code.OK, `the signed QueryRoute: ${signed.code} ${signed.message}`);
});

test('SendMessage over grpc-js by a user without Pub on the topic answers FORBIDDEN 40300 naming user and topic', { timeout: 60000 }, async () => {
  const forbidden = process.env.AKKAMQ_FORBIDDEN_TOPIC;
  assert.ok(forbidden, 'AKKAMQ_FORBIDDEN_TOPIC names a topic the user may not Pub');
  const status = await call('sendMessage', sendRequest(forbidden), metadata(process.env.AKKAMQ_ACCESS_KEY, process.env.AKKAMQ_SECRET_KEY));
  assert.equal(status.code, definition.Code.FORBIDDEN);
  assert.equal(status.code, 40300);
  assert.match(status.message, new RegExp(process.env.AKKAMQ_ACCESS_KEY));
  assert.match(status.message, new RegExp(forbidden));
});
