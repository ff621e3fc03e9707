import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAmiMessage, splitAmiMessages, type AmiMessage } from '../../nodes/lib/ami/message';

/**
 * Our hand-written models of what FreePBX 17 on Asterisk 22 sends for a few internal calls
 * (test/fixtures/ami/freepbx/README.md), from the compiled test's place in dist/.
 */
export const FREEPBX_MODELS = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'ami', 'freepbx');

/** Every event of a model transcript, in order (its first line is a comment, not AMI). */
export function freepbxModel(name: string): AmiMessage[] {
  const text = readFileSync(path.join(FREEPBX_MODELS, `${name}.ami`), 'utf8');
  return splitAmiMessages(text.slice(text.indexOf('\n') + 1)).map(parseAmiMessage).filter((message) => message.Event !== undefined);
}
