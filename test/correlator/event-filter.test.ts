import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallEventFilter, readEventNodeProperties } from '../../nodes/lib/events/event-node-properties';

/** pbx-event's per-node filters (design/nodes.md: `events`, `extensions`, `rawEvents`). */
const filterFor = (raw: Record<string, unknown>): CallEventFilter => new CallEventFilter(readEventNodeProperties(raw));

test('defaults: source ami, all six events, every call, every raw event', () => {
  const properties = readEventNodeProperties({});
  assert.equal(properties.source, 'ami');
  assert.deepEqual([...properties.events], ['dial', 'answer_internal', 'answer_external', 'call_pickup', 'hangup_internal', 'endcall']);
  assert.equal(properties.extensions.size, 0);
  assert.equal(properties.rawEvents.size, 0);
  assert.deepEqual([...readEventNodeProperties({ events: 'dial, endcall', rawEvents: ' QueueCallerAbandon ,AgentConnect' }).rawEvents], ['QueueCallerAbandon', 'AgentConnect']);
  assert.throws(() => readEventNodeProperties({ events: ['dial', 'ring'] }), /"ring" is not one of dial/);
});

test('events: only the chosen contract events; events outside the contract (later vendor versions) pass', () => {
  const filter = filterFor({ events: ['endcall'] });
  assert.equal(filter.accepts({ event: 'dial', call_id: '1' }), false);
  assert.equal(filter.accepts({ event: 'endcall', call_id: '1' }), true);
  assert.equal(filter.accepts({ event: 'queue_in', call_id: '1' }), true);
});

test('extensions: a call passes from the event that involves one of them on, until its endcall', () => {
  const filter = filterFor({ extensions: '105' });
  assert.equal(filter.accepts({ event: 'dial', call_id: 'q1', caller_num: '0644444444', called_num: '800123458' }), false);
  assert.equal(filter.accepts({ event: 'answer_internal', call_id: 'q1', exten_num: '105' }), true);
  assert.equal(filter.accepts({ event: 'hangup_internal', call_id: 'q1', exten_num: '104' }), true, 'the call matched already');
  assert.equal(filter.accepts({ event: 'endcall', call_id: 'q1', answering_exten: '' }), true);
  assert.equal(filter.accepts({ event: 'hangup_internal', call_id: 'q1', exten_num: '104' }), false, 'forgotten after its endcall');
});

test('extensions: the correlator\'s list of involved extensions counts, and so does a dialled group number', () => {
  const filter = filterFor({ extensions: '600, 103' });
  assert.equal(filter.accepts({ event: 'dial', call_id: 'a', caller_num: '0633333333', called_num: '800123457' }, ['101', '102', '103']), true);
  assert.equal(filter.accepts({ event: 'dial', call_id: 'b', caller_num: '101', called_num: '600' }), true);
  assert.equal(filter.accepts({ event: 'dial', call_id: 'c', caller_num: '101', called_num: '102' }, ['101', '102']), false);
});

/** pass() as pbx-event's AMI source uses it: the items sent, in order. */
function passAll(filter: CallEventFilter<string>, steps: Array<[Record<string, string>, string[]] | ['rung', string, string]>): string[] {
  const sent: string[] = [];
  for (const step of steps) {
    if (step[0] === 'rung') {
      const held = filter.rung(step[1], step[2]);
      if (held !== undefined) sent.push(`${held}+${step[2]}`);
    } else {
      const [event, involved] = step;
      filter.pass(event, involved, event.event, (item) => sent.push(item));
    }
  }
  return sent;
}

test('extensions: a ring group member rung after the dial gets the held dial when it starts ringing', () => {
  const filter = new CallEventFilter<string>(readEventNodeProperties({ extensions: '102' }));
  const sent = passAll(filter, [
    [{ event: 'dial', call_id: 'g', caller_num: '0633333333', called_num: '800123457' }, ['101']],
    ['rung', 'g', '103'],
    ['rung', 'g', '102'],
    [{ event: 'answer_internal', call_id: 'g', exten_num: '102' }, ['101', '102', '103']],
    [{ event: 'endcall', call_id: 'g', answering_exten: '102' }, ['101', '102', '103']],
  ]);
  assert.deepEqual(sent, ['dial+102', 'answer_internal', 'endcall']);
});

test('extensions: a held dial comes just before the first event naming the extension; answered or ended elsewhere, it is dropped', () => {
  const filter = new CallEventFilter<string>(readEventNodeProperties({ extensions: '105' }));
  assert.deepEqual(passAll(filter, [
    [{ event: 'dial', call_id: 'q', caller_num: '0644444444', called_num: '800123458' }, []],
    [{ event: 'answer_internal', call_id: 'q', exten_num: '105' }, ['104', '105']],
    [{ event: 'hangup_internal', call_id: 'q', exten_num: '105' }, ['104', '105']],
  ]), ['dial', 'answer_internal', 'hangup_internal']);
  // Answered by another member: the held dial is no news once the call stops ringing.
  assert.deepEqual(passAll(filter, [
    [{ event: 'dial', call_id: 'r', caller_num: '0644444444', called_num: '800123458' }, []],
    [{ event: 'answer_internal', call_id: 'r', exten_num: '104' }, ['104']],
    ['rung', 'r', '105'],
    [{ event: 'endcall', call_id: 'r', answering_exten: '104' }, ['104', '105']],
  ]), ['endcall']);
  // Never involved: nothing, and nothing held after its endcall.
  assert.deepEqual(passAll(filter, [
    [{ event: 'dial', call_id: 's', caller_num: '101', called_num: '102' }, ['101', '102']],
    [{ event: 'endcall', call_id: 's', answering_exten: '102' }, ['101', '102']],
    ['rung', 's', '105'],
  ]), []);
});

test('extensions: with dial not among the chosen events nothing is held, but ringing makes the call match', () => {
  const filter = new CallEventFilter<string>(readEventNodeProperties({ extensions: '103', events: 'hangup_internal, endcall, dial' }));
  const noDial = new CallEventFilter<string>(readEventNodeProperties({ extensions: '103', events: 'endcall' }));
  const steps: Array<[Record<string, string>, string[]] | ['rung', string, string]> = [
    [{ event: 'dial', call_id: 'g', caller_num: '0633333333', called_num: '800123457' }, ['101']],
    ['rung', 'g', '103'],
    [{ event: 'hangup_internal', call_id: 'g', exten_num: '102' }, ['101', '102', '103']],
    [{ event: 'endcall', call_id: 'g', answering_exten: '102' }, ['101', '102', '103']],
  ];
  assert.deepEqual(passAll(filter, steps), ['dial+103', 'hangup_internal', 'endcall']);
  assert.deepEqual(passAll(noDial, steps), ['endcall']);
});
