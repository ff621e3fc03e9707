import type { AmiConnectionApi } from './ami/connection-api';
import type { PbxSettings } from './settings';

/** A node that uses a pbx-config (only what the config node needs of it). */
export interface PbxUser {
  id: string;
  status(status: { fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey'; shape?: 'ring' | 'dot'; text?: string }): void;
}

/**
 * What a `pbx-config` node offers the nodes that use it. One config node = one PBX =
 * one shared AMI connection.
 */
export interface PbxConfigApi {
  readonly id: string;
  readonly settings: PbxSettings;
  /**
   * Why the settings could not be read ('' when they could); `settings` then holds the defaults,
   * which a user node must not act on: it reports `invalid PBX settings: <this>` instead.
   */
  readonly settingsError: string;
  /** Opens the shared AMI connection on the first user; null when no AMI host is set. */
  register(user: PbxUser): AmiConnectionApi | null;
  /** Closes the connection when the last user is gone. */
  deregister(user: PbxUser): void;
  /**
   * Objects kept per PBX across redeploys of the flow (e.g. the call correlator's state),
   * created on first use, dropped when the config node is removed.
   */
  shared<T>(key: string, create: () => T): T;
}
