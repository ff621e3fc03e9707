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
