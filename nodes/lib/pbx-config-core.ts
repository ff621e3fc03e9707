import { AmiConnection, type AmiConnectionOptions } from './ami/connection';
import type { AmiConnectionApi, AmiStatus } from './ami/connection-api';
import type { PbxConfigApi, PbxUser } from './pbx-config-api';
import { readSettings, type PbxSettings, type RawSettings } from './settings';
import { dropSharedObjects, sharedObject } from './shared-registry';

export type PbxUserStatus = Parameters<PbxUser['status']>[0];

export interface PbxConfigCoreOptions {
  id: string;
  /** The config node's properties and credentials, read with `readSettings`. */
  properties: RawSettings;
  credentials: RawSettings;
  /** How a connection status is shown on user nodes. */
  display(status: AmiStatus): PbxUserStatus;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** Timings of the AMI connection (tests shorten them). */
  connection?: Partial<AmiConnectionOptions>;
}

/**
 * What a `pbx-config` node does, without Node-RED: one PBX, one AMI connection shared by
 * every node that uses it (opened by the first, closed with the last), its status pushed
 * to each of them, and objects kept per PBX across redeploys.
 */
export class PbxConfigCore implements PbxConfigApi {
  readonly id: string;
  readonly settings: PbxSettings;
  /** Why the settings could not be read (the defaults are used meanwhile). */
  readonly settingsError: string;
  private readonly users = new Map<string, PbxUser>();
  private connection: AmiConnection | null = null;
  private closed = false;

  constructor(private readonly options: PbxConfigCoreOptions) {
    this.id = options.id;
    let settings: PbxSettings;
    let error = '';
    try {
      settings = readSettings(options.properties, options.credentials);
    } catch (err) {
      error = (err as Error).message;
      settings = readSettings({ name: options.properties.name, host: options.properties.host });
      options.log('error', `invalid settings: ${error}`);
    }
    this.settings = settings;
    this.settingsError = error;
  }

  /** The shared connection while it is open (null before the first user and after the last). */
  get ami(): AmiConnectionApi | null {
    return this.connection;
  }

  get userCount(): number {
    return this.users.size;
  }

  register(user: PbxUser): AmiConnectionApi | null {
    if (this.settingsError) {
      user.status({ fill: 'red', shape: 'ring', text: `invalid PBX settings: ${this.settingsError}`.slice(0, 48) });
      return null;
    }
    if (!this.settings.host || this.closed) return null;
    this.users.set(user.id, user);
    // The first user sees 'connecting' from start(); later ones get the current state now.
    if (this.connection) user.status(this.options.display(this.connection.status));
    else this.connection = this.openConnection();
    return this.connection;
  }

  deregister(user: PbxUser): void {
    if (!this.users.delete(user.id) || this.users.size > 0) return;
    this.connection?.close();
    this.connection = null;
  }

  shared<T>(key: string, create: () => T): T {
    return sharedObject(this.id, key, create);
  }

  /** The config node closes: the connection goes; shared objects go only if it was removed. */
  close(removed: boolean): void {
    this.closed = true;
    this.connection?.close();
    this.connection = null;
    this.users.clear();
    if (removed) dropSharedObjects(this.id);
  }

  private openConnection(): AmiConnection {
    const { settings, options } = this;
    const connection = new AmiConnection({
      eventMask: settings.eventMask,
      ...options.connection,
      host: settings.host,
      port: settings.port,
      username: settings.username,
      secret: settings.secret,
      log: (level, message) => options.log(level, message),
    });
    connection.onStatus((status) => {
      if (status.state === 'closed') return; // users are being closed too; nothing to show
      const display = options.display(status);
      for (const user of this.users.values()) user.status(display);
    });
    connection.start();
    return connection;
  }
}
