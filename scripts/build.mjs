// Compiles src/ to dist/ with TypeScript and the @nestjs/swagger plugin (OpenAPI metadata from
// DTO types and class-validator rules), the same transform `nest build` applies.
//
//   node scripts/build.mjs           build when dist/ is missing or older than the sources
//   node scripts/build.mjs --force   build anyway
//
// The output goes to a fresh folder beside dist/ and replaces dist/ by renaming, so a process
// running from dist/ never finds it deleted or half written.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');
const inputs = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

function newestMtime(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs; // a deleted or renamed file changes its folder's mtime
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function upToDate() {
  const built = statSync(stamp, { throwIfNoEntry: false });
  if (!built) return false;
  return inputs.every((input) => newestMtime(join(root, input)) <= built.mtimeMs);
}

async function compile(outDir) {
  // Loaded only when a build is needed: the up-to-date check stays a few milliseconds.
  const { default: ts } = await import('typescript');
  const { before: swaggerPlugin } = await import('@nestjs/swagger/plugin');
  const configPath = join(root, 'tsconfig.build.json');
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, { outDir, incremental: false }, configPath);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, projectReferences: parsed.projectReferences });
  const plugin = swaggerPlugin({ classValidatorShim: true, introspectComments: true, dtoFileNameSuffix: ['dto.ts'] }, program);
  const result = program.emit(undefined, undefined, undefined, false, { before: [plugin] });
  const diagnostics = ts.getPreEmitDiagnostics(program).concat(result.diagnostics);
  if (diagnostics.length) {
    const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
    process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));
    return false;
  }
  return true;
}

const force = process.argv.includes('--force');
if (!force && upToDate()) process.exit(0);

const started = Date.now();
const next = join(root, `dist.next-${process.pid}`);
rmSync(next, { recursive: true, force: true });
mkdirSync(next);
if (!(await compile(next))) {
  rmSync(next, { recursive: true, force: true });
  process.stderr.write('build failed\n');
  process.exit(1);
}
// Dated when the compile began: a source edited during it stays newer, so the next run builds again.
writeFileSync(join(next, '.build-stamp'), `${new Date(started).toISOString()}\n`);
utimesSync(join(next, '.build-stamp'), new Date(started), new Date(started));
const old = join(root, `dist.old-${process.pid}`);
if (existsSync(dist)) renameSync(dist, old);
renameSync(next, dist);
rmSync(old, { recursive: true, force: true });
process.stderr.write(`built ${relative(process.cwd(), dist) || '.'} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
