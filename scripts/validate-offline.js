#!/usr/bin/env node
/*
 * Runs `node-red-dev validate` (0.1.6) on this package on a machine without the internet.
 *
 * The tool stops at its first network error, so every check after it would go unreported.
 * Here its six network look-ups are replaced, in memory, when its files are loaded:
 *   - P08 (similar package names) and N01 (unique node types) need catalogue.nodered.org:
 *     reported as "not checked (offline)", never as passed;
 *   - P06 / P07 compare with Node-RED's current releases from the npm registry: checked
 *     against the Node-RED installed here (node_modules/node-red) instead, and said so;
 *   - D02 (known-bad packages in the dependency tree) lists the tree from the registry:
 *     checked against the tree installed in node_modules instead;
 *   - D03 (dependencies at their latest versions) needs the registry: not checked (offline).
 * Everything else runs exactly as node-red-dev runs it.
 *
 *   npm install --no-save node-red-dev@0.1.6 && node scripts/validate-offline.js > docs/validate.txt
 */
'use strict';
const Module = require('module');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const devDir = path.dirname(require.resolve('node-red-dev/package.json', { paths: [root] }));
const devVersion = require(path.join(devDir, 'package.json')).version;
const nodeRed = require(require.resolve('node-red/package.json', { paths: [root] }));

/** Said once per look-up that was replaced. */
function note(text) {
  console.log(`ℹ️  ${text}`);
}

/**
 * A stand-in for a look-up that cannot be made: the code chained on it (`.then(cb)`) does not
 * run, and when the surrounding promise chain adopts it (then with both callbacks) it resolves,
 * so that the checks after it still run.
 */
function notChecked(check, host) {
  console.log(`⏭️  ${check}: not checked (needs ${host}, offline)`);
  const skipped = {
    then(onFulfilled, onRejected) {
      if (typeof onRejected === 'function') {
        onFulfilled(undefined);
        return undefined;
      }
      return skipped;
    },
  };
  return skipped;
}

/** The registry document of `node-red`, made from the installed Node-RED. */
function installedNodeRed() {
  note(`Node-RED compatibility checked against the installed node-red ${nodeRed.version} (not the registry's current releases)`);
  return Promise.resolve({
    data: { 'dist-tags': { latest: nodeRed.version }, versions: { [nodeRed.version]: { engines: nodeRed.engines } } },
  });
}

/** npm-remote-ls's `ls(name, version, flatten, cb)` over the installed tree. */
function installedTree(name, _version, _flatten, callback) {
  note(`dependency tree of ${name} read from node_modules (not the registry)`);
  const seen = new Set();
  const visit = (dep, from) => {
    let pkgFile;
    try {
      pkgFile = require.resolve(`${dep}/package.json`, { paths: [from] });
    } catch {
      return;
    }
    const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
    const id = `${pkg.name}@${pkg.version}`;
    if (seen.has(id)) return;
    seen.add(id);
    for (const child of Object.keys(pkg.dependencies || {})) visit(child, path.dirname(pkgFile));
  };
  visit(name, root);
  callback([...seen]);
}

const REPLACEMENTS = {
  'checkpackage.js': [
    ["return axios.get('https://catalogue.nodered.org/catalogue.json')", "return global.__offline.notChecked('P08 similar package names', 'catalogue.nodered.org')"],
    ["return axios.get('https://registry.npmjs.org/node-red')", 'return global.__offline.installedNodeRed()'],
  ],
  'checknodes.js': [
    ["return axios.get('https://catalogue.nodered.org/catalogue.json')", "return global.__offline.notChecked('N01 unique node types', 'catalogue.nodered.org')"],
  ],
  'checkdeps.js': [
    ['npmls(name, version, true, function(list) {', 'global.__offline.installedTree(name, version, true, function(list) {'],
    ['return npmCheck({cwd: path, skipUnused: true, ignoreDev: true})', "return global.__offline.notChecked('D03 dependencies at their latest versions', 'registry.npmjs.org')"],
  ],
};
global.__offline = { notChecked, installedNodeRed, installedTree };

const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename) {
  const replacements = filename.startsWith(path.join(devDir, 'src', 'libs')) ? REPLACEMENTS[path.basename(filename)] : undefined;
  if (replacements) {
    for (const [from, to] of replacements) {
      if (!content.includes(from)) throw new Error(`node-red-dev ${devVersion}: ${path.basename(filename)} no longer contains ${from}`);
      content = content.split(from).join(to);
    }
  }
  return compile.call(this, content, filename);
};

console.log(`node-red-dev ${devVersion} validate -p ${path.basename(root)} (offline: network look-ups replaced as scripts/validate-offline.js says)`);
const Validate = require(path.join(devDir, 'src', 'commands', 'validate.js'));
Validate.run(['--path', root, '--embed', 'yes']).then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
