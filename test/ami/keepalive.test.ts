import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { sleep } from '../helpers/wait';
import { withConnection } from './helpers';

// TCP keepalive finds a half-open link (a NAT or firewall that dropped it) even between Pings.
// The kernel's own table of TCP sockets tells whether a socket's keepalive timer runs: what
// `ss -o` shows as `timer:(keepalive,9.9sec,0)`.

const PROC_NET_TCP = '/proc/net/tcp';
const skip = fs.existsSync(PROC_NET_TCP) ? false : `needs Linux ${PROC_NET_TCP}`;

/** USER_HZ: /proc/net/tcp gives timer times in clock ticks of 10 ms. */
const MS_PER_TICK = 10;

interface SocketTimer {
  /** 0 none, 1 retransmit, 2 keepalive, 3 TIME_WAIT, 4 zero-window probe (net/ipv4/tcp_ipv4.c). */
  kind: number;
  leftMs: number;
}

/** The timer of the IPv4 TCP socket from `localPort` to `remotePort`, as the kernel lists it. */
function socketTimer(localPort: number, remotePort: number): SocketTimer | null {
  const port = (address: string): number => parseInt(address.split(':')[1], 16);
  for (const line of fs.readFileSync(PROC_NET_TCP, 'utf8').split('\n').slice(1)) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
    const columns = line.trim().split(/\s+/);
    if (columns.length < 10 || port(columns[1]) !== localPort || port(columns[2]) !== remotePort) continue;
    const [kind, when] = columns[5].split(':').map((hex) => parseInt(hex, 16));
    return { kind, leftMs: when * MS_PER_TICK };
  }
  return null;
}

/** The client's socket timer once the link is idle (a retransmit timer may show for a moment after traffic). */
async function idleClientTimer(serverPort: number, clientPort: number): Promise<SocketTimer> {
  let timer = socketTimer(clientPort, serverPort);
  for (let i = 0; i < 50 && timer?.kind === 1; i++) {
    await sleep(20);
    timer = socketTimer(clientPort, serverPort);
  }
  assert.ok(timer, `the client socket 127.0.0.1:${clientPort} → ${serverPort} in ${PROC_NET_TCP}`);
  return timer;
}

test('the AMI socket has TCP keepalive on, first probe after 10 s idle (the default tcpKeepAliveMs)', { skip }, () => withConnection(async (server) => {
  const clientPort = server.loggedInSessions[0].socket.remotePort as number;
  const timer = await idleClientTimer(server.port, clientPort);
  assert.equal(timer.kind, 2, `keepalive timer (kind 2) on the client socket, found kind ${timer.kind}`);
  // Linux's own default is 2 hours: at most 10 s left shows the package's idle time is applied.
  assert.ok(timer.leftMs > 0 && timer.leftMs <= 10_000, `${timer.leftMs} ms to the first probe`);
}));

test('tcpKeepAliveMs 0 turns TCP keepalive off', { skip }, () => withConnection(async (server) => {
  const clientPort = server.loggedInSessions[0].socket.remotePort as number;
  const timer = await idleClientTimer(server.port, clientPort);
  assert.equal(timer.kind, 0, `no timer on the client socket, found kind ${timer.kind}`);
}, { tcpKeepAliveMs: 0 }));
