/**
 * Bundles the Lambda entries with esbuild: one self-contained folder per entry, holding the
 * entry as `<kind>.mjs` (ESM, minified, AWS SDK left to the Lambda runtime), the chunks it
 * loads lazily, and every file the code reads at run time.
 *
 * Entries are found by convention, `functions/<service>/{lambda,consumer,jobs}.ts`, so a new
 * service's entry is built without being listed anywhere. Infra names the same files
 * (`functions/catalog/lambda.handler`).
 *
 * Files read at run time are written as `new URL("./migrations", import.meta.url)` (the
 * convention Vite and webpack treat as an asset). In a bundle `import.meta.url` is the
 * bundle's, so each such URL is rewritten to the file's path under `functions/` and the file
 * or folder is copied there: `catalog/db/migrations` beside `lambda.mjs`. Ship the folder whole.
 *
 * @example
 * const entries = await findLambdaEntries();
 * const built = await bundleEntry(entries[0], { outdir: "dist" });
 * // built.file: dist/catalog-lambda/lambda.mjs, built.bytes: what a cold start loads
 */
import { cp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type Metafile, type Plugin } from "esbuild";

/** The repository's `functions/` folder. */
export const functionsDir = fileURLToPath(new URL("..", import.meta.url));

const ENTRY_KINDS = ["lambda", "consumer", "jobs"] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

// `platform` is the library every service shares; its lambda.ts is the wrapper, not an entry.
const NOT_SERVICES = new Set(["platform"]);

export interface LambdaEntry {
  /** `catalog-lambda`: the entry's folder in the output. */
  name: string;
  service: string;
  kind: EntryKind;
  /** Absolute path of the TypeScript source. */
  source: string;
}

export async function findLambdaEntries(root = functionsDir): Promise<LambdaEntry[]> {
  const folders = await readdir(root, { withFileTypes: true });
  const entries: LambdaEntry[] = [];
  for (const folder of folders) {
    if (!folder.isDirectory() || NOT_SERVICES.has(folder.name)) continue;
    const files = new Set(await readdir(join(root, folder.name)));
    for (const kind of ENTRY_KINDS) {
      if (!files.has(`${kind}.ts`)) continue;
      entries.push({
        name: `${folder.name}-${kind}`,
        service: folder.name,
        kind,
        source: join(root, folder.name, `${kind}.ts`),
      });
    }
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

export interface BundleOptions {
  /** Where the entry's folder goes; it is emptied first. */
  outdir: string;
  /** Also write esbuild's metafile as `meta.json` (for esbuild.github.io/analyze). */
  metafile?: boolean;
  /**
   * Bundle the AWS SDK too, rather than load the runtime's copy: the bundle grows by what it
   * uses, and the cold start skips resolving and parsing the SDK's hundreds of files.
   */
  bundleAwsSdk?: boolean;
  /**
   * Write linked source maps (without the sources): readable stack traces where the function
   * runs with NODE_OPTIONS=--enable-source-maps, which costs some cold-start time.
   */
  sourcemap?: boolean;
}

export interface Bundle {
  entry: LambdaEntry;
  /** The entry's folder: ship it whole. */
  dir: string;
  /** The module Lambda loads: `<dir>/<kind>.mjs`. */
  file: string;
  /** Bytes a cold start loads: the entry and the chunks it imports statically. */
  bytes: number;
  gzipBytes: number;
  /** Bytes of every chunk, lazily loaded ones included. */
  totalBytes: number;
  /** The entry's exports: the handler names infra may use (`handler`, `sweep`, ...). */
  exports: string[];
  /** Files and folders copied for the code to read, relative to `dir`. */
  assets: string[];
  warnings: string[];
}

export async function bundleEntry(entry: LambdaEntry, options: BundleOptions): Promise<Bundle> {
  const dir = resolve(options.outdir, entry.name);
  await rm(dir, { recursive: true, force: true });
  const assets = new Map<string, string>();
  const result = await build({
    entryPoints: { [entry.kind]: entry.source },
    outdir: dir,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    minify: true,
    // No keepNames: it costs ~7 % more bytes, and only errors that take their name from the
    // constructor (jose's, postgres.js's) log a minified name; their message and code stay.
    ...(options.sourcemap ? { sourcemap: "linked" as const, sourcesContent: false } : {}),
    // Code only some paths need (PGlite, a bus adapter, another validator's JSON Schema
    // converter) is loaded by `await import()`; splitting keeps it out of the cold start.
    splitting: true,
    // One folder per entry, chunks beside the entry: `import.meta.url` means the same
    // folder in every output file, which the asset URLs rely on.
    chunkNames: "[name]-[hash]",
    outExtension: { ".js": ".mjs" },
    // The Lambda Node.js runtime provides AWS SDK v3.
    external: options.bundleAwsSdk ? [] : ["@aws-sdk/*"],
    // ESM builds first: they tree-shake (CommonJS ones, OpenTelemetry's most, add ~240 KB).
    mainFields: ["module", "main"],
    // Bundled CommonJS (amqplib, postgres) calls require() for Node's modules.
    banner: {
      js: 'import{createRequire as __slipwayRequire}from"node:module";const require=__slipwayRequire(import.meta.url);',
    },
    legalComments: "external",
    metafile: true,
    logLevel: "silent",
    plugins: [assetUrls(assets)],
  });
  for (const [from, to] of assets) await cp(from, join(dir, to), { recursive: true });
  const metafile = result.metafile as Metafile;
  if (options.metafile) await writeFile(join(dir, "meta.json"), JSON.stringify(metafile));
  const file = join(dir, `${entry.kind}.mjs`);
  const output = relative(process.cwd(), file).split(sep).join("/");
  const loaded = staticallyLoaded(metafile, output);
  let bytes = 0;
  let gzipBytes = 0;
  for (const path of loaded) {
    const contents = await readFile(resolve(process.cwd(), path));
    bytes += contents.length;
    gzipBytes += gzipSync(contents).length;
  }
  const totalBytes = Object.entries(metafile.outputs)
    .filter(([path]) => path.endsWith(".mjs"))
    .reduce((sum, [, output]) => sum + output.bytes, 0);
  return {
    entry,
    dir,
    file,
    bytes,
    gzipBytes,
    totalBytes,
    exports: [...(metafile.outputs[output]?.exports ?? [])].sort(),
    assets: [...assets.values()].sort(),
    warnings: result.warnings.map((warning) => warning.text),
  };
}

/** The output and every chunk reachable from it through static imports. */
function staticallyLoaded(metafile: Metafile, output: string): string[] {
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    const found = metafile.outputs[path];
    if (!found) throw new Error(`esbuild wrote no ${path}`);
    seen.add(path);
    for (const imported of found.imports) {
      if (imported.kind === "import-statement" && !imported.external) visit(imported.path);
    }
  };
  visit(output);
  return [...seen];
}

const ASSET_URL = /new URL\(\s*(["'])(\.\.?\/[^"'\n]+)\1\s*,\s*import\.meta\.url\s*\)/g;

/**
 * Rewrites `new URL("./x", import.meta.url)` in the project's own modules to the file's path
 * under `functions/`, and records the file to copy there (source path → path in the bundle).
 */
function assetUrls(assets: Map<string, string>): Plugin {
  return {
    name: "slipway-asset-urls",
    setup(esbuild) {
      esbuild.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (!args.path.startsWith(functionsDir) || args.path.includes(`${sep}node_modules${sep}`)) {
          return undefined;
        }
        const text = await readFile(args.path, "utf8");
        if (!text.includes("import.meta.url")) return undefined;
        const contents = text.replace(ASSET_URL, (match, quote: string, path: string, at) => {
          if (inComment(text, at)) return match;
          const from = resolve(dirname(args.path), path);
          const to = relative(functionsDir, from).split(sep).join("/");
          if (to.startsWith("..")) {
            throw new Error(`${args.path} reads ${path}, outside functions/: cannot ship it`);
          }
          assets.set(from, to);
          return `new URL(${quote}./${to}${quote}, import.meta.url)`;
        });
        return { contents, loader: "ts" };
      });
    },
  };
}

/** Whether the text at `at` is on a comment line (`//`, or `*` inside a block comment). */
function inComment(text: string, at: number): boolean {
  const line = text.slice(text.lastIndexOf("\n", at) + 1, at).trimStart();
  return line.startsWith("//") || line.startsWith("*") || line.startsWith("/*");
}
