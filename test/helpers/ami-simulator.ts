import { before, after, afterEach } from 'node:test';
import helper from 'node-red-node-test-helper';
import { AmiServer } from '../../simulator';
import { until } from './wait';

export interface AmiSimulatorForFlowsOptions {
  /** Resets simulator state a test may have changed; runs right after the flow is unloaded. */
  afterUnload?: (server: AmiServer) => void;
  /** How long to wait for the unloaded flow's AMI sockets to close (the `until` default if absent). */
  socketsClosedWithinMs?: number;
}

/**
 * One AMI simulator for a test file's Node-RED flows: started before the first test, closed after
 * the last. After each test the flow is unloaded and we wait until every AMI socket is closed, so no
 * test sees the previous test's connection. Read the simulator as `.server` inside tests and hooks.
 */
export function amiSimulatorForFlows(options: AmiSimulatorForFlowsOptions = {}): { readonly server: AmiServer } {
  let server: AmiServer | undefined;
  const started = (): AmiServer => {
    if (!server) throw new Error('the AMI simulator is only there while the tests run');
    return server;
  };

  before(async () => {
    server = await AmiServer.start();
  });

  after(async () => {
    await started().close();
  });

  afterEach(async () => {
    await helper.unload();
    options.afterUnload?.(started());
    await until(() => started().connectionCount === 0, 'every AMI socket closed after unload', options.socketsClosedWithinMs);
  });

  return {
    get server(): AmiServer {
      return started();
    },
  };
}
