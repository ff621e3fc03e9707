import type { Consumer } from './consumers';
import type { FeedProcess } from './feed-process';
import type { WriteMode } from './feed-server';
import type { StreamOptions } from './stream';

/** What a consumer must have counted for a stream to be fully taken in. */
export interface Expected {
  /** All events in the stream (the rate is computed on these). */
  streamEvents: number;
  /** AMI events the consumer counts (all, or those its adapter does not drop as noise). */
  amiEvents: number;
  /** Call events it must emit (0 for consumers that do not correlate). */
  callEvents: number;
}

export interface Measurement {
  ms: number;
  amiPerSecond: number;
  callPerSecond: number;
}

/**
 * One ingest measurement: the PBX process writes a freshly numbered stream as fast as TCP
 * takes it; the clock runs from its first write to the moment the consumer has counted
 * everything the stream holds.
 */
export async function measureIngest(
  feed: FeedProcess,
  port: number,
  consumer: Consumer,
  mode: WriteMode,
  stream: StreamOptions,
  expected: Expected,
  timeoutMs = 30_000,
): Promise<Measurement> {
  await feed.prepare(port, stream);
  // After a lost connection the package logs in again by itself: wait for that.
  await feed.waitForLogins(port, 1);
  consumer.reset();
  const done = consumer.until(expected.amiEvents, expected.callEvents, timeoutMs);
  done.catch(() => undefined); // awaited below; a failed blast must not leave it unhandled
  let blast;
  try {
    [blast] = await feed.blast([port], mode);
  } catch (err) {
    // The reader dropped the connection (the package's Ping deadline does under load): say why.
    const why = consumer.problems.length ? `; ${consumer.problems.join('; ')}` : '';
    throw new Error(`${(err as Error).message}${why}`);
  }
  const endMs = await done;
  const ms = endMs - blast.startMs;
  return { ms, amiPerSecond: (expected.streamEvents / ms) * 1000, callPerSecond: (expected.callEvents / ms) * 1000 };
}
