import type { Row } from './table';

/** What one benchmark suite reports: table rows, and text for the notes under the table. */
export interface SuiteResult {
  rows: Row[];
  notes: string[];
}

/** How big a run is: `full` for `npm run bench`, `quick` to check the harness in seconds. */
export type Scale = 'full' | 'quick';

export interface SuiteOptions {
  scale: Scale;
  /** Repetitions of each figure (at least 5 in `full`). */
  runs: number;
  /** Progress lines go here (the runner prints them to stderr). */
  log: (line: string) => void;
}

export type Suite = (options: SuiteOptions) => Promise<SuiteResult>;

export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
