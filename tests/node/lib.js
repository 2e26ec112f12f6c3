// Shared by the test scripts: AkkaMq.Proxy.Tests (NodeClientTests) starts a node with its gRPC endpoint and passes
// the endpoint, the topic and a result file in the environment.
'use strict';
const fs = require('node:fs');
const { Producer } = require('rocketmq-client-nodejs');

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these scripts through AkkaMq.Proxy.Tests (NodeClientTests)`);
  return value;
}

const endpoint = () => env('AKKAMQ_GRPC_ENDPOINT');
const topic = () => env('AKKAMQ_TOPIC');

async function startProducer() {
  const producer = new Producer({ endpoints: endpoint(), topics: [topic()], requestTimeout: 10000 });
  await producer.startup();
  return producer;
}

// What the script sent, for the C# side to check against what the native consumer reads.
function record(result) {
  if (process.env.AKKAMQ_RESULT) fs.writeFileSync(process.env.AKKAMQ_RESULT, JSON.stringify(result));
}

module.exports = { endpoint, topic, startProducer, record };
