import { test } from 'node:test';
import { assertMatchesExpected, expectedEvents, liveScenarios, recordedEvents, replay } from './replay';

/**
 * Every recording of a real Asterisk 22 (test/fixtures/ami/live) replayed through the correlator
 * gives exactly the events beside it (`<scenario>.expected.json`), field for field.
 */
for (const scenario of liveScenarios()) {
  test(`live recording ${scenario}: the expected events, field for field`, () => {
    const { out, correlator } = replay(recordedEvents(scenario));
    assertMatchesExpected(out.map((item) => item.event), expectedEvents(scenario));
    const stats = correlator.stats();
    if (stats.calls !== 0 || stats.channels !== 0) throw new Error(`tables not empty after the recording: ${JSON.stringify(stats)}`);
  });
}
