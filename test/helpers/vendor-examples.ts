/**
 * The vendor's two example notifications (spec/pbx-api.md §2): the payloads, and the
 * query strings the PBX sends for them, byte for byte (the spec's line breaks removed).
 */
export const DIAL_PAYLOAD = {
  event: 'dial',
  ts: '2016-01-21T13:09:25.95104+01:00',
  call_id: '1453378165.749958',
  caller_type: 'internal',
  caller_num: '758',
  called_num: '800123456',
  transfering_exten: '',
  record_name: '20160121-130925-758-800123456',
};

export const DIAL_QUERY =
  'event=dial&ts=2016-01-21T13%3A09%3A25.95104%2B01%3A00' +
  '&call_id=1453378165.749958&caller_type=internal&caller_num=758&called_num=800123456' +
  '&transfering_exten=&record_name=20160121-130925-758-800123456';

export const ENDCALL_PAYLOAD = {
  event: 'endcall',
  ts: '2016-01-21T13:03:22.403343+01:00',
  call_id: '1453378751.749706',
  caller_type: 'internal',
  caller_num: '546',
  called_num: '80123456',
  call_answered: 't',
  answering_exten: '',
  last_dial_answered: 'f',
  last_dialed_exten: '',
  record_name: '20160121-130007-546-800123456',
};

export const ENDCALL_QUERY =
  'event=endcall&ts=2016-01-21T13%3A03%3A22.403343%2B01%3A00' +
  '&call_id=1453378751.749706&caller_type=internal&caller_num=546&called_num=80123456' +
  '&call_answered=t&answering_exten=&last_dial_answered=f&last_dialed_exten=' +
  '&record_name=20160121-130007-546-800123456';

/** Values that break naive URL, form and JSON building. */
export const HOSTILE = 'a&b=c#d%e+f "q" \'s\' \\ /?\r\nline2 ž€😀 <x>';
