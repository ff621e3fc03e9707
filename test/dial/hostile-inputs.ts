/**
 * Values a CRM, a web form or a hostile user could put where a phone number or an
 * extension belongs. Every one must be refused before a byte reaches the PBX.
 */
export const HOSTILE_INPUTS: readonly { label: string; number: unknown; exten: unknown }[] = [
  { label: 'CR in the number', number: '0612345678\r', exten: '101' },
  { label: 'LF in the number', number: '0612\n345678', exten: '101' },
  { label: 'CRLF + Action: Command in the number', number: '123\r\nAction: Command\r\nCommand: core stop now', exten: '101' },
  { label: 'bare LF + Action in the number', number: '123\nAction: Logoff', exten: '101' },
  { label: 'CRLF CRLF ending the action early', number: '123\r\n\r\nAction: Originate', exten: '101' },
  { label: 'NUL in the number', number: '0612\u0000345678', exten: '101' },
  { label: 'CR in the extension', exten: '101\r', number: '0612345678' },
  { label: 'CRLF + Action: Command in the extension', exten: '101\r\nAction: Command\r\nCommand: core restart now', number: '0612345678' },
  { label: 'NUL in the extension', exten: '10\u00001', number: '0612345678' },
  { label: '10 kB number', number: '1'.repeat(10_240), exten: '101' },
  { label: '10 kB extension', exten: 'a'.repeat(10_240), number: '0612345678' },
  { label: 'Arabic-Indic digits', number: '\u0660\u0666\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668', exten: '101' },
  { label: 'fullwidth digits', number: '\uff10\uff16\uff11\uff12\uff13\uff14', exten: '101' },
  { label: 'Devanagari digits in the extension', exten: '\u0967\u0966\u0967', number: '0612345678' },
  { label: 'channel injection in the extension', exten: '101&PJSIP/102', number: '0612345678' },
  { label: 'dial-string options in the number', number: '0612345678,30,tT', exten: '101' },
  { label: 'Unicode line separator', number: '0612\u2028345678', exten: '101' },
  { label: 'letters and a colon in the number', number: 'Action: Ping', exten: '101' },
  { label: 'an object instead of a number', number: { toString: () => '0612345678\r\nAction: Command' }, exten: '101' },
  { label: 'slash in the extension (another channel)', exten: '../PJSIP/102', number: '0612345678' },
];
