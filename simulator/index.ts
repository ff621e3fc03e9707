/** The package's AMI simulator: a real TCP server speaking AMI as Asterisk 22 does. */
export { AmiServer, AmiSession, loadTranscript } from './ami-server';
export type { AmiServerOptions, AmiServerUser, ActionHandler, ReceivedAction, ReplayOptions, TranscriptEvent, WriteMode } from './ami-server';
