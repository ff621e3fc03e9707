import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { field, parseAmiMessage, splitAmiMessages, type AmiMessage } from '../../nodes/lib/ami/message';
import type { CdrRowValues, CelRowValues } from './asterisk-schema';

/**
 * The CDR rows of the live recordings (test/fixtures/ami/live/*.ami, a real Asterisk 22), as
 * cdr_pgsql would have written them, saved as test/fixtures/cdr/recordings.json so that the
 * pbx-cdr tests can load them without parsing AMI.
 *
 * Regenerate after a recording changes (from the repository root, after `npm run build`):
 *
 *     node dist/test/cdr/recordings-fixture.js --write
 *
 * Without `--write` this file does nothing (node --test runs every .js under dist/test/).
 *
 * Where the AMI `Cdr` event (cdr_manager) lacks what the table has:
 * - `linkedid`: cdr_manager does not send it; it is the Linkedid of the Newchannel whose Uniqueid
 *   is the row's `uniqueid` (the CDR's Party A channel);
 * - `sequence`: not sent either; Asterisk numbers CDRs as it creates them: a channel's first CDR
 *   when the channel appears, the next ones of its chain as it dials on. The rows are numbered in
 *   that order as far as the recording shows it: by start, then by when their Party A channel
 *   appeared (its Newchannel), then in the order of the chain (the order of the Cdr events);
 * - `answer` of an unanswered leg: cdr_manager sends `""`, cdr_pgsql writes the epoch in local
 *   time (the rig's zone was UTC): `1970-01-01 00:00:00`;
 * - `peeraccount`: not sent, `""` (the rig has no account codes).
 *
 * `cel`: the recordings hold no CEL events (CEL was off), but each channel's Newchannel carries
 * what cel_pgsql writes for its CHAN_START (exten, context, caller ID, channel, uniqueid,
 * linkedid). One CHAN_START row per channel that is a CDR row's Party A, dated at that channel's
 * first CDR start (AMI events of the rig carry no timestamps), so that the tests can read a call
 * with and without a CEL table.
 */

export interface RecordingRows {
  scenario: string;
  cdr: CdrRowValues[];
  cel: CelRowValues[];
}

/** The recordings, from the compiled file's place in dist/test/cdr/. */
export const LIVE_RECORDINGS = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'ami', 'live');
export const RECORDINGS_FIXTURE = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'cdr', 'recordings.json');

function recordedEvents(file: string): AmiMessage[] {
  const text = readFileSync(file, 'utf8');
  const body = text.slice(text.indexOf('\n') + 1); // the banner line
  return splitAmiMessages(body).map(parseAmiMessage).filter((message) => message.Event !== undefined);
}

const NO_ANSWER_TIME = '1970-01-01 00:00:00';

function cdrRow(event: AmiMessage, linkedid: string): CdrRowValues {
  const answer = field(event, 'AnswerTime');
  return {
    accountcode: field(event, 'AccountCode'),
    src: field(event, 'Source'),
    dst: field(event, 'Destination'),
    dcontext: field(event, 'DestinationContext'),
    clid: field(event, 'CallerID'),
    channel: field(event, 'Channel'),
    dstchannel: field(event, 'DestinationChannel'),
    lastapp: field(event, 'LastApplication'),
    lastdata: field(event, 'LastData'),
    start: field(event, 'StartTime'),
    answer: answer === '' ? NO_ANSWER_TIME : answer,
    end: field(event, 'EndTime'),
    duration: Number(field(event, 'Duration')),
    billsec: Number(field(event, 'BillableSeconds')),
    disposition: field(event, 'Disposition'),
    amaflags: field(event, 'AMAFlags'),
    userfield: field(event, 'UserField'),
    uniqueid: field(event, 'UniqueID'),
    linkedid,
    peeraccount: '',
    sequence: 0,
  };
}

function unknownAsEmpty(value: string): string {
  return value === '<unknown>' ? '' : value;
}

export function extractRecording(file: string): RecordingRows {
  const events = recordedEvents(file);
  const newchannels = new Map<string, AmiMessage>();
  const created = new Map<string, number>();
  for (const event of events) {
    if (event.Event === 'Newchannel' && !newchannels.has(field(event, 'Uniqueid'))) {
      created.set(field(event, 'Uniqueid'), created.size);
      newchannels.set(field(event, 'Uniqueid'), event);
    }
  }
  const createdAt = (uniqueid: string | number) => created.get(String(uniqueid)) ?? Number.MAX_SAFE_INTEGER;
  const cdr = events
    .filter((event) => event.Event === 'Cdr')
    .map((event, order) => {
      const uniqueid = field(event, 'UniqueID');
      const linkedid = field(event, 'LinkedID') || field(newchannels.get(uniqueid) ?? {}, 'Linkedid');
      if (linkedid === '') throw new Error(`${file}: no Newchannel for the Cdr of ${uniqueid}`);
      return { row: cdrRow(event, linkedid), order };
    })
    .sort((a, b) =>
      (a.row.start < b.row.start ? -1 : a.row.start > b.row.start ? 1 : 0) ||
      createdAt(a.row.uniqueid) - createdAt(b.row.uniqueid) ||
      a.order - b.order)
    .map(({ row }, i) => ({ ...row, sequence: i + 1 }));
  const cel: CelRowValues[] = [];
  for (const uniqueid of new Set(cdr.map((row) => String(row.uniqueid)))) {
    const channel = newchannels.get(uniqueid);
    if (!channel) continue;
    const first = cdr.find((row) => row.uniqueid === uniqueid) as CdrRowValues;
    cel.push({
      eventtype: 'CHAN_START', eventtime: `${first.start}.000000`, userdeftype: '',
      cid_name: unknownAsEmpty(field(channel, 'CallerIDName')), cid_num: unknownAsEmpty(field(channel, 'CallerIDNum')),
      cid_ani: unknownAsEmpty(field(channel, 'CallerIDNum')), cid_rdnis: '', cid_dnid: '',
      exten: field(channel, 'Exten'), context: field(channel, 'Context'), channame: field(channel, 'Channel'),
      appname: '', appdata: '', amaflags: 3, accountcode: field(channel, 'AccountCode'), peeraccount: '',
      uniqueid, linkedid: field(channel, 'Linkedid'), userfield: '', peer: '', extra: '',
    });
  }
  return { scenario: path.basename(file, '.ami'), cdr, cel };
}

/** Every recording that has CDR rows, by name. */
export function extractRecordings(dir = LIVE_RECORDINGS): RecordingRows[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.ami'))
    .sort()
    .map((file) => extractRecording(path.join(dir, file)))
    .filter((recording) => recording.cdr.length > 0);
}

export function readRecordingsFixture(file = RECORDINGS_FIXTURE): RecordingRows[] {
  return JSON.parse(readFileSync(file, 'utf8')) as RecordingRows[];
}

if (require.main === module && process.argv.includes('--write')) {
  const recordings = extractRecordings();
  mkdirSync(path.dirname(RECORDINGS_FIXTURE), { recursive: true });
  // a row per line: diffs of a regenerated fixture stay readable
  const rows = (list: object[]) => list.map((row) => `      ${JSON.stringify(row)}`).join(',\n');
  const text = recordings
    .map((r) => `  {\n    "scenario": ${JSON.stringify(r.scenario)},\n    "cdr": [\n${rows(r.cdr)}\n    ],\n    "cel": [\n${rows(r.cel)}\n    ]\n  }`)
    .join(',\n');
  writeFileSync(RECORDINGS_FIXTURE, `[\n${text}\n]\n`);
  console.log(`${RECORDINGS_FIXTURE}: ${recordings.length} recordings, ${recordings.reduce((n, r) => n + r.cdr.length, 0)} CDR rows`);
}
