/**
 * What each node's edit dialog must show, accept and refuse. A TypedInput value is
 * `{ type, value }`; a plain input or checkbox takes a string.
 */
export type FieldValue = string | { type?: string; value: string };

export interface DialogSpec {
  type: string;
  /** `#node-input-<field>` (or its TypedInput) is visible. */
  fields: string[];
  /** Set together, none is marked, and Done saves them. */
  valid: Record<string, FieldValue>;
  /** Each, set alone, is marked red (`input-error`). */
  invalid: { field: string; value: FieldValue }[];
}

export const DIALOGS: DialogSpec[] = [
  {
    type: 'pbx-event',
    fields: ['server', 'source', 'extensions', 'name'],
    valid: { extensions: '101, 102', name: 'front desk calls' },
    invalid: [{ field: 'extensions', value: '101; DROP' }],
  },
  {
    type: 'pbx-dial',
    fields: ['server', 'transport', 'exten', 'number', 'callerId', 'variables', 'name'],
    valid: {
      exten: { type: 'str', value: '101' },
      number: { type: 'msg', value: 'payload.phone' },
      transport: 'http',
      callerId: 'Customer call',
      variables: 'CRM_ID=42\n__ACCOUNT=acme',
    },
    invalid: [
      { field: 'number', value: { type: 'msg', value: 'payload..phone' } },
      { field: 'exten', value: { type: 'num', value: 'one-o-one' } },
      { field: 'variables', value: 'not a variable line' },
    ],
  },
  {
    type: 'pbx-hangup',
    fields: ['server', 'transport', 'exten', 'callId', 'name'],
    valid: { exten: { type: 'str', value: '102' }, callId: { type: 'msg', value: 'payload.call_id' }, transport: 'ami' },
    invalid: [{ field: 'exten', value: { type: 'msg', value: 'payload[' } }],
  },
  {
    type: 'pbx-notify',
    fields: ['url', 'method', 'format', 'user', 'password', 'token', 'timeout', 'tlsVerify', 'queueLimit', 'maxAge', 'persist', 'name'],
    valid: { url: 'https://crm.example.com/pbx?call={{payload.call_id}}', method: 'POST', timeout: '5000', queueLimit: '500', persist: 'true' },
    invalid: [
      { field: 'url', value: '' },
      { field: 'url', value: 'https://crm.example.com/pbx?call={{payload.call_id' },
      { field: 'url', value: 'crm.example.com/pbx' },
      { field: 'timeout', value: '-5' },
      { field: 'maxAge', value: '0' },
    ],
  },
  {
    // The parameters of the default query (calls); the call id row is for the query "call".
    type: 'pbx-cdr',
    fields: ['server', 'query', 'number', 'from', 'to', 'limit', 'offset', 'timeout', 'name'],
    valid: {
      number: { type: 'msg', value: 'payload.phone' },
      from: { type: 'str', value: '2026-01-01T00:00:00' },
      to: { type: 'flow', value: 'night.end' },
      limit: { type: 'num', value: '50' },
      offset: { type: 'msg', value: 'page.offset' },
      timeout: '5000',
      name: 'calls of a customer',
    },
    invalid: [
      { field: 'number', value: { type: 'msg', value: 'payload..phone' } },
      { field: 'from', value: { type: 'msg', value: 'payload[' } },
      { field: 'to', value: { type: 'num', value: 'tomorrow' } },
      { field: 'limit', value: { type: 'num', value: '-1' } },
      { field: 'limit', value: { type: 'num', value: '10001' } },
      { field: 'offset', value: { type: 'num', value: '1.5' } },
      { field: 'offset', value: { type: 'msg', value: '' } },
      { field: 'timeout', value: '50' },
      { field: 'timeout', value: '30 s' },
    ],
  },
];
