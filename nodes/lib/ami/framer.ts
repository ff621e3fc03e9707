import { StringDecoder } from 'node:string_decoder';

/**
 * Cuts the bytes of an AMI connection into text holding whole messages: each read is decoded
 * once (a UTF-8 character split across reads is completed by the next one) and everything up
 * to the last blank line is handed on; the rest waits for the next read. A blank line is
 * `\r\n\r\n`, or `\r\n\n` as asterisk#761 sends it. (Asterisk 13's `Response: Follows`
 * command output may hold blank lines itself; the package supports Asterisk 16+.)
 */
export class AmiFramer {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(private readonly onMessages: (text: string) => void) {}

  push(chunk: Buffer): void {
    const text = this.pending + this.decoder.write(chunk);
    const crlf = text.lastIndexOf('\n\r\n');
    const lf = text.lastIndexOf('\n\n');
    const end = Math.max(crlf === -1 ? 0 : crlf + 3, lf === -1 ? 0 : lf + 2);
    if (end === 0) {
      this.pending = text;
      return;
    }
    this.pending = text.slice(end);
    this.onMessages(text.slice(0, end));
  }
}
