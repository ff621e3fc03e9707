import type { Node, NodeAPI, NodeDef } from 'node-red';
import { amiStatusDisplay } from './common/pbx-status';
import type { AmiConnectionApi } from './lib/ami/connection-api';
import type { PbxConfigApi, PbxUser } from './lib/pbx-config-api';
import { PbxConfigCore } from './lib/pbx-config-core';
import type { PbxSettings } from './lib/settings';

interface PbxCredentials {
  username?: string;
  secret?: string;
  httpUser?: string;
  httpPassword?: string;
  dbUser?: string;
  dbPassword?: string;
}

/** The config node as user nodes get it from `RED.nodes.getNode(config.server)`. */
type PbxConfigNode = Node<PbxCredentials> & PbxConfigApi & { readonly ami: AmiConnectionApi | null };

export = function (RED: NodeAPI) {
  function PbxConfig(this: PbxConfigNode, config: NodeDef & Record<string, unknown>) {
    RED.nodes.createNode(this, config);
    const node = this;
    const core = new PbxConfigCore({
      id: node.id,
      properties: config,
      credentials: { ...node.credentials },
      display: (status) => amiStatusDisplay(status, (key) => RED._(key)),
      log: (level, message) => {
        if (level === 'info') node.log(message);
        else if (level === 'warn') node.warn(message);
        else node.error(message);
      },
    });
    Object.defineProperties(node, {
      settings: { get: (): PbxSettings => core.settings, enumerable: true },
      settingsError: { get: (): string => core.settingsError, enumerable: true },
      ami: { get: (): AmiConnectionApi | null => core.ami, enumerable: true },
    });
    node.register = (user: PbxUser) => core.register(user);
    node.deregister = (user: PbxUser) => core.deregister(user);
    node.shared = <T>(key: string, create: () => T): T => core.shared(key, create);

    node.on('close', (removed: boolean, done: () => void) => {
      core.close(removed);
      done();
    });
  }

  RED.nodes.registerType<PbxConfigNode, NodeDef & Record<string, unknown>, unknown, PbxCredentials>('pbx-config', PbxConfig, {
    credentials: {
      username: { type: 'text' },
      secret: { type: 'password' },
      httpUser: { type: 'text' },
      httpPassword: { type: 'password' },
      dbUser: { type: 'text' },
      dbPassword: { type: 'password' },
    },
  });
};
