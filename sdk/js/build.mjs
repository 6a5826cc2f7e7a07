#!/usr/bin/env node
// Builds a JavaScript plugin project into a packed Portico component.
//
//   node build.mjs [PROJECT] [--entry app.js] [--out FILE] [--wit DIR] [--portico BIN]
//
// 1. reads PROJECT/plugin.toml (id, worlds, capabilities);
// 2. runs componentize-js (the library call: the `jco componentize` CLI fails on this WIT
//    layout) for the manifest's world — several worlds are merged into one generated world —
//    with StarlingMonkey's `fetch` engine compiled in only when the manifest requests the
//    `http` capability (the component still imports `wasi:http`: Portico's worlds declare it,
//    and calls to it are denied unless granted);
// 3. embeds the manifest as the `portico:manifest` section with `portico plugin pack`
//    (validating it) or, without a `portico` binary, by appending the section itself.

import { componentize } from '@bytecodealliance/componentize-js';
import { parse as parseToml } from 'smol-toml';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SDK_ROOT = dirname(fileURLToPath(import.meta.url));
const WIT_VERSION = 'v0.1.0';

class BuildError extends Error {}

function parseArgs(argv) {
  const args = { project: '.', entry: 'app.js' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new BuildError(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--entry') args.entry = value();
    else if (a === '--out' || a === '-o') args.out = value();
    else if (a === '--wit') args.wit = value();
    else if (a === '--portico') args.portico = value();
    else if (a === '--help' || a === '-h') args.help = true;
    else if (a.startsWith('-')) throw new BuildError(`unknown option ${a}`);
    else args.project = a;
  }
  return args;
}

/** The WIT contract: --wit, else PROJECT/wit, else the nearest wit/v0.1.0 above. */
export function findWit(project, explicit) {
  if (explicit) {
    if (!existsSync(join(explicit, 'worlds.wit'))) throw new BuildError(`--wit ${explicit}: no worlds.wit there`);
    return resolve(explicit);
  }
  const bases = [];
  for (let dir = resolve(project); ; dir = dirname(dir)) {
    bases.push(dir);
    if (dirname(dir) === dir) break;
  }
  for (let dir = SDK_ROOT; dirname(dir) !== dir; dir = dirname(dir)) bases.push(dir);
  for (const base of bases) {
    for (const candidate of [join(base, 'wit', WIT_VERSION), join(base, 'wit')]) {
      if (existsSync(join(candidate, 'worlds.wit'))) return candidate;
    }
  }
  throw new BuildError(`cannot find the WIT contract (wit/${WIT_VERSION}/worlds.wit) in ${project} or above; pass --wit DIR`);
}

export function readManifest(project) {
  const path = join(project, 'plugin.toml');
  let text;
  try { text = readFileSync(path, 'utf8'); } catch (err) {
    throw new BuildError(`cannot read the manifest ${path}: ${err.message}`);
  }
  let manifest;
  try { manifest = parseToml(text); } catch (err) {
    throw new BuildError(`${path} is not valid TOML: ${err.message}`);
  }
  if (typeof manifest.id !== 'string') throw new BuildError(`${path}: \`id\` is missing; it is required`);
  if (!Array.isArray(manifest.worlds) || manifest.worlds.length === 0) {
    throw new BuildError(`${path}: \`worlds\` must list at least one world, e.g. ["entity-view"]`);
  }
  return { text, manifest, path };
}

/** A world name for componentize-js: the manifest's world, or a generated one including all. */
function targetWorld(witDir, worlds) {
  if (worlds.length === 1) return { witPath: witDir, worldName: worlds[0], cleanup() {} };
  const tmp = mkdtempSync(join(tmpdir(), 'portico-wit-'));
  cpSync(witDir, tmp, { recursive: true });
  const includes = worlds.map((w) => `    include ${w};`).join('\n');
  writeFileSync(join(tmp, 'zz-build-world.wit'), `package portico:plugin@0.1.0;\n\nworld portico-build {\n${includes}\n}\n`);
  return { witPath: tmp, worldName: 'portico-build', cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}

function packageRoot(project) {
  for (let dir = resolve(project); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(project);
  }
}

function leb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return Buffer.from(out);
}

/** Appends a top-level custom section (what `portico plugin pack` writes). */
export function appendCustomSection(component, name, data) {
  const nameBytes = Buffer.from(name, 'utf8');
  const payload = Buffer.concat([leb(nameBytes.length), nameBytes, Buffer.from(data)]);
  return Buffer.concat([Buffer.from(component), Buffer.from([0]), leb(payload.length), payload]);
}

function which(name) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function pack(unpacked, manifestPath, manifestText, out, portico) {
  const exe = portico ?? process.env.PORTICO ?? which('portico');
  if (exe) {
    try {
      execFileSync(exe, ['plugin', 'pack', unpacked, '--manifest', manifestPath, '-o', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      throw new BuildError(`portico plugin pack failed: ${String(err.stderr || err.message).trim()}`);
    }
    return 'portico plugin pack';
  }
  writeFileSync(out, appendCustomSection(readFileSync(unpacked), 'portico:manifest', Buffer.from(manifestText, 'utf8')));
  return 'the SDK (no `portico` binary found: the manifest is validated at install)';
}

export async function build({ project = '.', entry = 'app.js', out, wit, portico } = {}) {
  project = resolve(project);
  const { text, manifest, path } = readManifest(project);
  const source = join(project, entry);
  if (!existsSync(source)) throw new BuildError(`${project}: the entry module ${entry} does not exist`);
  const witDir = findWit(project, wit);
  const output = resolve(out ?? join(project, 'build', `${manifest.id}.wasm`));
  mkdirSync(dirname(output), { recursive: true });
  const unpacked = output.replace(/\.wasm$/, '') + '.unpacked.wasm';
  const wantsHttp = Boolean(manifest.capabilities && manifest.capabilities.http);
  const target = targetWorld(witDir, manifest.worlds);
  const started = Date.now();
  // The engine loads modules from the working directory down: work from the package root
  // (the nearest folder with package.json), so imports such as ../../src/index.js resolve.
  const cwd = process.cwd();
  process.chdir(packageRoot(project));
  try {
    const { component } = await componentize({
      sourcePath: source,
      witPath: target.witPath,
      worldName: target.worldName,
      // Without the http capability, leave StarlingMonkey's fetch engine out.
      disableFeatures: wantsHttp ? ['fetch-event'] : ['http', 'fetch-event'],
    });
    writeFileSync(unpacked, component);
  } catch (err) {
    throw new BuildError(`componentize-js failed: ${err.message}`);
  } finally {
    process.chdir(cwd);
    target.cleanup();
  }
  const packer = pack(unpacked, path, text, output, portico);
  rmSync(unpacked, { force: true });
  const size = (statSync(output).size / 1e6).toFixed(1);
  console.log(`built ${manifest.id} (${manifest.worlds.join(', ')}) into ${output}: ${size} MB in ${((Date.now() - started) / 1000).toFixed(1)} s; manifest packed by ${packer}`);
  return output;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const args = parseArgs(process.argv.slice(2));
    if (args.help) {
      console.log('usage: node build.mjs [PROJECT] [--entry app.js] [--out FILE] [--wit DIR] [--portico BIN]');
    } else {
      await build(args);
    }
  } catch (err) {
    console.error(`error: ${err instanceof BuildError ? err.message : err.stack}`);
    process.exit(1);
  }
}
