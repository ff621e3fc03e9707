/** The package's AMI simulator: a real TCP server speaking AMI as Asterisk 22 does. */
export { AmiServer, AmiSession, loadTranscript } from './ami-server';
export type { AmiServerOptions, AmiServerUser, ActionHandler, ReceivedAction, ReplayOptions, TranscriptEvent, WriteMode } from './ami-server';
/** The simulated PBX behind it (click-to-dial, hangup, channel listing, endpoint names) and the vendor's HTTP API. */
export { PbxModel, PBX_ENDPOINTS, parseCallerIdHeader } from './pbx-model';
export type {
  OriginateReport, OriginateRequest, PbxEndpoint, PbxModelOptions, PbxTiming, PhoneBehaviour, PhoneOutcome, RemoteBehaviour, RemoteOutcome,
} from './pbx-model';
export { SimChannel } from './sim-channel';
export { VendorHttpServer } from './vendor-http-server';
export type { VendorHttpServerOptions, VendorRequest } from './vendor-http-server';
