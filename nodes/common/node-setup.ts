import type { Node } from 'node-red';
import type { PbxConfigApi } from '../lib/pbx-config-api';
import { PbxSetupError, setupFailure, type FailureWords } from './error-status';
import { failureStatusText } from './report-error';

/**
 * The setup every PBX-using node shares (pbx-dial, pbx-hangup, pbx-cdr): its pbx-config
 * checked, a failed setup reported once at deploy, and each later message refused with why.
 */

/** The node's pbx-config, if one is selected and its settings are valid. */
export function usablePbxConfig<Config extends PbxConfigApi>(config: Config | null): Config {
  if (!config) throw new PbxSetupError('no_pbx', 'no PBX selected: choose a pbx-config');
  // Name the bad setting, not what the defaults standing in for it lack (an AMI connection, an httpUrl, a dbHost).
  if (config.settingsError) throw new PbxSetupError('settings', `invalid PBX settings: ${config.settingsError}`);
  return config;
}

/**
 * A failed setup: a red status in the user's language, the English message in the log.
 * `propertiesRead`: a plain Error thrown before the node's own properties were read is about
 * them, after that about the pbx-config. Returns the error later messages are refused with.
 */
export function reportSetupFailure(node: Node, type: string, err: unknown, propertiesRead: boolean, words: FailureWords): Error {
  const error = setupFailure(err, propertiesRead ? 'settings' : 'node_settings');
  node.status({ fill: 'red', shape: 'ring', text: failureStatusText(error, words) });
  node.error(`${type}: ${error.message}`);
  return error;
}

/** What a message gets from a node that is not set up; the cause gives the status its kind. */
export function notSetUp(type: string, setupError: Error | null): Error {
  return new Error(`${type} is not set up: ${setupError?.message ?? ''}`, { cause: setupError });
}
