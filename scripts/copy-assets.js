// Node-RED finds <node>.html, locales/ and icons/ only next to the node's .js file,
// so the editor assets are copied beside the compiled nodes in dist/nodes/.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const target = path.join(root, 'dist', 'nodes');
fs.mkdirSync(target, { recursive: true });

for (const file of fs.readdirSync(path.join(root, 'nodes'))) {
  if (file.endsWith('.html')) fs.copyFileSync(path.join(root, 'nodes', file), path.join(target, file));
}
fs.cpSync(path.join(root, 'nodes', 'locales'), path.join(target, 'locales'), { recursive: true });
fs.cpSync(path.join(root, 'icons'), path.join(target, 'icons'), { recursive: true });
