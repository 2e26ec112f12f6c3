#!/usr/bin/env node
// Send throughput of Apache RocketMQ's official Node.js client (rocketmq-client-nodejs, installed in tests/node by
// `npm ci`) against an AkkaMq gRPC endpoint: --inflight sends outstanding (each completion starts the next), 1 KiB
// bodies by default, a warm-up, then a fixed timed duration. Prints one RESULT line as `akkamq bench` does.
//
// Usage: node bench/grpc-node-send.js --endpoint 127.0.0.1:8081 --topic T [--inflight 64] [--seconds 20]
//          [--warmup-seconds 5] [--size 1024] [--tag round=1] [--broker-pid PID: also report its CPU seconds (Linux /proc)]
// The topic must exist (akkamq updateTopic -t T -c DefaultCluster).
'use strict';
const path = require('node:path');
const { Producer } = require(path.join(__dirname, '..', 'tests', 'node', 'node_modules', 'rocketmq-client-nodejs'));

const defaults = { endpoint: '127.0.0.1:8081', topic: '', inflight: '64', seconds: '20', 'warmup-seconds': '5', size: '1024', tag: '', 'broker-pid': '' };
function parse(argv) {
  const o = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    if (!argv[i].startsWith('--') || !(name in defaults) || i + 1 >= argv.length) fail(`unknown option or missing value: ${argv[i]}`);
    o[name] = argv[++i];
  }
  if (!o.topic) fail('--topic is required');
  if (!/^[^:\s]+:\d{1,5}$/.test(o.endpoint)) fail(`--endpoint must be host:port (got '${o.endpoint}')`);
  for (const k of ['inflight', 'size']) if (!(Number.isInteger(+o[k]) && +o[k] >= 1)) fail(`--${k} must be a whole number of at least 1 (got '${o[k]}')`);
  for (const k of ['seconds', 'warmup-seconds']) if (!(+o[k] >= 0)) fail(`--${k} must be a number of seconds (got '${o[k]}')`);
  if (+o.seconds <= 0) fail('--seconds must be positive');
  return o;
}
// utime + stime of a process in seconds (USER_HZ = 100), as akkamq bench reports broker_cpu_s.
function procCpu(pid) {
  const stat = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf-8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (+f[11] + +f[12]) / 100;
}
function fail(msg) { console.error(`grpc-node-send: ${msg}`); process.exit(2); }

// Microsecond latencies, sorted at the end (a run holds a few hundred thousand).
function percentile(sorted, q) { return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] : 0; }

async function run(producer, o, seconds, latencies) {
  const body = Buffer.alloc(+o.size, 7);
  const until = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  let sent = 0, errors = 0, firstError = null;
  async function worker() {
    while (process.hrtime.bigint() < until) {
      const t0 = process.hrtime.bigint();
      try {
        await producer.send({ topic: o.topic, body });
        sent++;
        if (latencies) latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
      } catch (e) {
        errors++;
        firstError ??= e.message;
      }
    }
  }
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: +o.inflight }, worker));
  return { sent, errors, firstError, secs: Number(process.hrtime.bigint() - start) / 1e9 };
}

async function main() {
  const o = parse(process.argv.slice(2));
  const quiet = { info() {}, debug() {}, warn: (...a) => console.error(...a), error: (...a) => console.error(...a) };
  const producer = new Producer({ endpoints: o.endpoint, topics: [o.topic], requestTimeout: 10000, logger: quiet });
  await producer.startup();
  try {
    if (+o['warmup-seconds'] > 0) {
      const w = await run(producer, o, +o['warmup-seconds'], null);
      console.error(`grpc-node-send: warmup ${w.sent} sends (${w.errors} errors) in ${w.secs.toFixed(1)} s${w.firstError ? `; first error: ${w.firstError}` : ''}`);
    }
    const lat = [];
    const cpu0 = process.cpuUsage();
    const broker0 = o['broker-pid'] ? procCpu(o['broker-pid']) : 0;
    const r = await run(producer, o, +o.seconds, lat);
    const cpu = process.cpuUsage(cpu0);
    const broker = o['broker-pid'] ? ` broker_cpu_s=${(procCpu(o['broker-pid']) - broker0).toFixed(2)}` : '';
    if (r.errors) console.error(`grpc-node-send: ${r.errors} send(s) failed; first error: ${r.firstError}`);
    lat.sort((a, b) => a - b);
    const rate = r.sent / r.secs;
    const us = q => Math.round(percentile(lat, q));
    console.log(`RESULT peer=akkamq scenario=grpc-node-send size=${o.size} window=${o.inflight} count=${r.sent + r.errors} secs=${r.secs.toFixed(2)} ` +
      `msgs_per_s=${rate.toFixed(0)} MiB_per_s=${(rate * o.size / 1048576).toFixed(1)} p50_us=${us(0.5)} p99_us=${us(0.99)} p999_us=${us(0.999)} ` +
      `max_us=${Math.round(lat.length ? lat[lat.length - 1] : 0)} endpoint=${o.endpoint} errors=${r.errors} ` +
      `client_cpu_s=${((cpu.user + cpu.system) / 1e6).toFixed(2)}${broker}${o.tag ? ' ' + o.tag : ''} utc=${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`);
  } finally {
    await producer.shutdown();
  }
}

main().catch(e => { console.error(`grpc-node-send: ${e.stack || e}`); process.exit(1); });
