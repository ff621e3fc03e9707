import { existsSync, lstatSync, mkdirSync, readlinkSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, relative, resolve } from 'node:path';

/** The project's root (this file runs from `dist/scripts/`). */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');

/**
 * Makes (or keeps) a Node-RED user directory that has this package installed: a link in
 * its `node_modules` to the project, as `npm install <dir>` makes for a local package,
 * listed in its `package.json` so the palette manager shows it as installed. The
 * settings file is written once (then it is the user's): localhost only, telemetry off,
 * no welcome tour, the PBX category near the top of the palette, and a random secret
 * that encrypts the credentials file.
 */
export function prepareUserDir(userDir: string, projectRoot = PROJECT_ROOT): void {
  const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { name: string };
  mkdirSync(userDir, { recursive: true });

  const link = join(userDir, 'node_modules', ...pkg.name.split('/'));
  mkdirSync(dirname(link), { recursive: true });
  if (!linksTo(link, projectRoot)) {
    rmSync(link, { recursive: true, force: true });
    // 'junction' makes a directory link on Windows without admin rights; ignored elsewhere.
    symlinkSync(projectRoot, link, 'junction');
  }

  const userPackage = join(userDir, 'package.json');
  if (!existsSync(userPackage)) {
    const manifest = {
      name: 'node-red-pbx-demo',
      description: 'Node-RED user directory of the @pbx-api/node-red-pbx demo (npm start)',
      version: '0.0.0',
      private: true,
      dependencies: { [pkg.name]: `file:${relative(userDir, projectRoot).split('\\').join('/') || '.'}` },
    };
    writeFileSync(userPackage, `${JSON.stringify(manifest, null, 2)}\n`);
  }

  const settings = join(userDir, 'settings.js');
  if (!existsSync(settings)) writeFileSync(settings, settingsFile(randomBytes(24).toString('hex')));
}

function linksTo(link: string, target: string): boolean {
  try {
    return lstatSync(link).isSymbolicLink() && resolve(dirname(link), readlinkSync(link)) === resolve(target);
  } catch {
    return false;
  }
}

function settingsFile(credentialSecret: string): string {
  return `// Node-RED settings of the PBX demo (written once by \`npm start\`; yours to edit).
// Full reference: node_modules/node-red/settings.js
module.exports = {
  // Only this machine can open the editor.
  uiHost: '127.0.0.1',
  flowFile: 'flows.json',
  // Encrypts flows_cred.json (the AMI login lives there, never in flows.json).
  credentialSecret: '${credentialSecret}',
  telemetry: { enabled: false, updateNotification: false },
  editorTheme: {
    tours: false,
    palette: { categories: ['subflows', 'common', 'PBX', 'function', 'network', 'sequence', 'parser', 'storage'] },
  },
  logging: { console: { level: 'info', metrics: false, audit: false } },
  functionExternalModules: false,
  exportGlobalContextKeys: false,
};
`;
}
