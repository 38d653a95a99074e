// Compiles src/ to dist/ with TypeScript and the @nestjs/swagger plugin (OpenAPI metadata from
// DTO types and class-validator rules), the same transform `nest build` applies, and the web
// console (web/, type-checked, then bundled by Vite) to dist/web, which the API serves.
//
//   node scripts/build.mjs           build what is missing or older than its sources
//   node scripts/build.mjs --force   build both anyway
//
// The output goes to a fresh folder beside dist/ and replaces dist/ by renaming, so a process
// running from dist/ never finds it deleted or half written.
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
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

function upToDate(stampPath = stamp, sources = inputs) {
  const built = statSync(stampPath, { throwIfNoEntry: false });
  if (!built) return false;
  return sources.every((input) => newestMtime(join(root, input)) <= built.mtimeMs);
}

// The web console: its own inputs and stamp, so a back-end change does not rebuild it (and
// `npm test`'s pretest stays fast when neither changed).
const webInputs = ['web', 'package-lock.json'];
const webStamp = join(dist, 'web', '.build-stamp');

async function buildWeb(outDir) {
  const started = Date.now();
  const { default: ts } = await import('typescript');
  const configPath = join(root, 'web', 'tsconfig.json');
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, join(root, 'web'), { noEmit: true }, configPath);
  const diagnostics = ts.getPreEmitDiagnostics(ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options }));
  if (diagnostics.length) {
    const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
    process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));
    return false;
  }
  const { build } = await import('vite');
  await build({ configFile: join(root, 'web', 'vite.config.mjs'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  writeFileSync(join(outDir, '.build-stamp'), `${new Date(started).toISOString()}\n`);
  utimesSync(join(outDir, '.build-stamp'), new Date(started), new Date(started));
  process.stderr.write(`built web console in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return true;
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
const webFresh = !force && upToDate(webStamp, webInputs);
if (!force && upToDate()) {
  if (webFresh) process.exit(0);
  // Only the web console changed: replace dist/web alone, by renaming as below.
  const nextWeb = join(dist, `web.next-${process.pid}`);
  if (!(await buildWeb(nextWeb))) {
    rmSync(nextWeb, { recursive: true, force: true });
    process.stderr.write('web build failed\n');
    process.exit(1);
  }
  const oldWeb = join(dist, `web.old-${process.pid}`);
  if (existsSync(join(dist, 'web'))) renameSync(join(dist, 'web'), oldWeb);
  renameSync(nextWeb, join(dist, 'web'));
  rmSync(oldWeb, { recursive: true, force: true });
  process.exit(0);
}

const started = Date.now();
const next = join(root, `dist.next-${process.pid}`);
rmSync(next, { recursive: true, force: true });
mkdirSync(next);
if (!(await compile(next))) {
  rmSync(next, { recursive: true, force: true });
  process.stderr.write('build failed\n');
  process.exit(1);
}
const webBuiltOk = webFresh ? (cpSync(join(dist, 'web'), join(next, 'web'), { recursive: true, preserveTimestamps: true }), true) : await buildWeb(join(next, 'web'));
if (!webBuiltOk) {
  rmSync(next, { recursive: true, force: true });
  process.stderr.write('web build failed\n');
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
