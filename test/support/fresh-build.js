// Integration and e2e tests spawn the compiled app from dist/. Building here whenever a source is
// newer than dist keeps `npx jest` from testing stale code (`npm test` builds in pretest, and then
// this finds nothing to do). A project's globalSetup runs only when one of its tests is selected,
// so unit-only runs never build. The build script itself compiles only when dist/ is stale.
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '../..');
const OUTPUTS = ['dist/main.js', 'dist/cli/main.js'].map((p) => join(ROOT, p));
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return /\.spec\.ts$/.test(path) ? 0 : s.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newest(join(path, name))), s.mtimeMs);
}

// The web console (dist/web) has its own inputs: a back-end build copies it unchanged.
const WEB_OUTPUT = join(ROOT, 'dist/web/.build-stamp');
const WEB_INPUTS = ['web', 'package-lock.json'];

function stale(outputs, inputs) {
  const built = outputs.every(existsSync) ? Math.min(...outputs.map((p) => statSync(p).mtimeMs)) : 0;
  return (
    built <
    Math.max(
      ...inputs
        .map((p) => join(ROOT, p))
        .filter(existsSync)
        .map(newest),
    )
  );
}

module.exports = async function freshBuild() {
  const built = OUTPUTS.every(existsSync) && existsSync(WEB_OUTPUT);
  if (!stale(OUTPUTS, INPUTS) && !stale([WEB_OUTPUT], WEB_INPUTS)) return;
  process.stderr.write(`\ndist/ is ${built ? 'older than the sources' : 'missing'}: building it\n`);
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'inherit' });
};
