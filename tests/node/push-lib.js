// Shared by the PushConsumer scripts (consumer-push*.test.js).
'use strict';

// rocketmq-client-nodejs 1.0.8's PushConsumer gives its consume service a logger of its own that shutdown() never closes;
// that logger's flush timer would keep the process alive after a clean shutdown, so its timers do not hold the process.
const eggLogger = require(require.resolve('egg-logger', { paths: [require.resolve('rocketmq-client-nodejs')] }));
const createInterval = eggLogger.FileBufferTransport.prototype._createInterval;
eggLogger.FileBufferTransport.prototype._createInterval = function () {
  const timer = createInterval.call(this);
  timer.unref();
  return timer;
};

// Polls a condition (the listener runs on the client's own schedule), failing with what was seen when time runs out.
async function waitFor(condition, timeoutMs, describe) {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out: ${describe()}`);
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}

module.exports = { waitFor };
