import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { CircuitBreaker, CONSUMER_DEFAULTS, retryDelayMs } from '../src/index';

const retry = { ...CONSUMER_DEFAULTS.retry };

describe('retryDelayMs', () => {
  it('grows the delay cap exponentially per level', () => {
    const top = () => 0.999999;
    assert.equal(retryDelayMs(1, retry, top), 999);
    assert.equal(retryDelayMs(2, retry, top), 3_999);
    assert.equal(retryDelayMs(3, retry, top), 15_999);
  });

  it('never exceeds the maximum delay', () => {
    assert.equal(retryDelayMs(20, retry, () => 0.999999), retry.maxDelayMs - 1);
  });

  it('draws the delay between zero and the cap', () => {
    assert.equal(retryDelayMs(3, retry, () => 0), 0);
    assert.equal(retryDelayMs(3, retry, () => 0.5), 8_000);
  });
});

describe('CircuitBreaker', () => {
  const options = { failureRatio: 0.5, windowSize: 10, minimumOutcomes: 4, coolDownMs: 1_000 };

  it('stays closed below the minimum number of outcomes', () => {
    const circuit = new CircuitBreaker(options);
    for (let index = 0; index < 3; index++) assert.equal(circuit.record(false), false);
    assert.equal(circuit.state, 'closed');
  });

  it('opens when the failure ratio reaches the budget', () => {
    const circuit = new CircuitBreaker(options);
    circuit.record(true);
    circuit.record(false);
    circuit.record(true);
    assert.equal(circuit.record(false), true);
    assert.equal(circuit.state, 'open');
  });

  it('judges only the most recent outcomes of the window', () => {
    const circuit = new CircuitBreaker(options);
    // Ten successes push the first failure out of the window of ten. Had it stayed, the fourth
    // failure below would make five of ten and open the circuit.
    circuit.record(false);
    for (let index = 0; index < 10; index++) circuit.record(true);
    for (let index = 0; index < 4; index++) assert.equal(circuit.record(false), false);
    assert.equal(circuit.state, 'closed');
    assert.equal(circuit.record(false), true);
  });

  it('half-opens after the cool-down and closes on successes', () => {
    let now = 0;
    const circuit = new CircuitBreaker(options, () => now);
    for (let index = 0; index < 4; index++) circuit.record(false);
    assert.equal(circuit.tryHalfOpen(), false);
    now = 1_000;
    assert.equal(circuit.tryHalfOpen(), true);
    for (let index = 0; index < 5; index++) circuit.record(true);
    assert.equal(circuit.state, 'closed');
  });

  it('reopens for twice as long when the probes fail', () => {
    let now = 0;
    const circuit = new CircuitBreaker(options, () => now);
    for (let index = 0; index < 4; index++) circuit.record(false);
    now = 1_000;
    circuit.tryHalfOpen();
    circuit.record(true);
    for (let index = 0; index < 3; index++) assert.equal(circuit.record(false), false);
    assert.equal(circuit.record(false), true);
    assert.equal(circuit.remainingCoolDownMs(), 2_000);
  });

  it('stays half-open after one failed probe', () => {
    let now = 0;
    const circuit = new CircuitBreaker(options, () => now);
    for (let index = 0; index < 4; index++) circuit.record(false);
    now = 1_000;
    circuit.tryHalfOpen();
    assert.equal(circuit.record(false), false);
    assert.equal(circuit.state, 'half-open');
  });
});
