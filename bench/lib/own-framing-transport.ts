import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { AmiClientTransport, type AmiTransportHandlers, type AmiTransportOptions } from '../../nodes/lib/ami/transport';

/**
 * EXPERIMENT (benchmarks only): what the package would gain if the AMI stream were framed by
 * our own code instead of asterisk-ami-client's. For the PBX ports named here, the package's
 * transport still lets the library connect and log in; then the socket is unpiped from the
 * library's framing stream (AmiEventsStream, which re-decodes the rest of every read for every
 * message: ami-client.md #11) and read directly: decoded once, cut at the last blank line,
 * handed to AmiConnection as it is. It works by wrapping `AmiClientTransport.prototype.open`
 * in this process and reaching into two private fields of asterisk-ami-client@1.1.5's
 * connection (`_socket`, `_amiDataStream`): a measurement, not the package's transport.
 */
interface LibraryConnection {
  _socket?: Socket;
  _amiDataStream?: NodeJS.WritableStream;
}
interface TransportInternals {
  client: { connection: LibraryConnection | null } | null;
  closed: boolean;
}

const ports = new Set<number>();
let installed = false;

/** From now on, AMI connections to this port (made in this process) are framed by our code. */
export function frameOwnBytesOn(port: number): void {
  ports.add(port);
  if (installed) return;
  installed = true;
  const original = AmiClientTransport.prototype.open;
  AmiClientTransport.prototype.open = async function (this: AmiClientTransport, options: AmiTransportOptions, handlers: AmiTransportHandlers): Promise<void> {
    await original.call(this, options, handlers);
    if (ports.has(options.port)) takeOver(this as unknown as TransportInternals, handlers);
  };
}

function takeOver(transport: TransportInternals, handlers: AmiTransportHandlers): void {
  const connection = transport.client?.connection;
  const socket = connection?._socket;
  if (!connection || !socket || !connection._amiDataStream) throw new Error('asterisk-ami-client internals are not as expected');
  // A package whose transport already reads the socket itself needs no experiment.
  const piped = (socket as unknown as { _readableState?: { pipes?: unknown[] } })._readableState?.pipes ?? [];
  if (!piped.includes(connection._amiDataStream)) return;
  socket.unpipe(connection._amiDataStream);
  const decoder = new StringDecoder('utf8');
  let pending = '';
  socket.on('data', (chunk: Buffer) => {
    if (transport.closed) return;
    const text = pending + decoder.write(chunk);
    // Everything up to the last blank line (`\r\n\r\n`, or `\r\n\n` as asterisk#761 sends).
    const crlf = text.lastIndexOf('\n\r\n');
    const lf = text.lastIndexOf('\n\n');
    const end = Math.max(crlf === -1 ? 0 : crlf + 3, lf === -1 ? 0 : lf + 2);
    if (end === 0) {
      pending = text;
      return;
    }
    pending = text.slice(end);
    handlers.onData(text.slice(0, end));
  });
  // unpipe() paused the socket when its last pipe went; a 'data' listener does not undo that.
  socket.resume();
}
