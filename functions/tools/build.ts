/**
 * `npm run build`: bundles every Lambda entry (`functions/<service>/{lambda,consumer,jobs}.ts`)
 * into a folder of its own under `dist/`, ready to ship whole, and prints each one's size.
 *
 *   npm run build
 *   npm run build -- --outdir build --metafile
 *   npm run build -- --bundle-aws-sdk
 */
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { type Bundle, bundleEntry, findLambdaEntries } from "./bundle.js";

const usage = `usage: npm run build -- [--outdir DIR] [--metafile] [--bundle-aws-sdk] [--sourcemap]
  --outdir DIR        where each entry's folder goes (default dist)
  --metafile          also write esbuild's meta.json in each folder (esbuild.github.io/analyze)
  --bundle-aws-sdk    bundle the AWS SDK rather than load the Lambda runtime's copy
  --sourcemap         write source maps (run with NODE_OPTIONS=--enable-source-maps)`;

async function main(argv: string[]): Promise<number> {
  let values: {
    outdir: string;
    metafile: boolean;
    "bundle-aws-sdk": boolean;
    sourcemap: boolean;
    help: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        outdir: { type: "string", default: "dist" },
        metafile: { type: "boolean", default: false },
        "bundle-aws-sdk": { type: "boolean", default: false },
        sourcemap: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const entries = await findLambdaEntries();
  const bundles: Bundle[] = [];
  let failed = 0;
  for (const entry of entries) {
    try {
      const bundle = await bundleEntry(entry, {
        outdir: values.outdir,
        metafile: values.metafile,
        bundleAwsSdk: values["bundle-aws-sdk"],
        sourcemap: values.sourcemap,
      });
      for (const warning of bundle.warnings) process.stderr.write(`${entry.name}: ${warning}\n`);
      bundles.push(bundle);
    } catch (error) {
      failed += 1;
      process.stderr.write(`${entry.name}: ${(error as Error).message}\n`);
    }
  }
  process.stdout.write(renderTable(bundles, values.outdir));
  if (failed > 0) {
    process.stderr.write(`${failed} of ${entries.length} entries failed to build\n`);
    return 1;
  }
  process.stdout.write(
    `\n${bundles.length} bundles in ${relative(process.cwd(), values.outdir) || "."}/: ` +
      "bytes and gzip: the entry and its static imports; all chunks: with those imported on demand\n",
  );
  return 0;
}

function renderTable(bundles: readonly Bundle[], outdir: string): string {
  const rows = [
    ["entry", "bytes", "gzip", "all chunks", "ships with it"],
    ...bundles.map((bundle) => [
      relative(outdir, bundle.file),
      bytes(bundle.bytes),
      bytes(bundle.gzipBytes),
      bytes(bundle.totalBytes),
      bundle.assets.join(", "),
    ]),
  ];
  const widths = rows[0]?.map((_, column) =>
    Math.max(...rows.map((row) => row[column]?.length ?? 0)),
  );
  return rows
    .map((row) =>
      row
        .map((cell, column) => {
          const width = widths?.[column] ?? 0;
          // Sizes right-aligned; names left-aligned.
          return column >= 1 && column <= 3 ? cell.padStart(width) : cell.padEnd(width);
        })
        .join("  ")
        .trimEnd(),
    )
    .join("\n")
    .concat("\n");
}

const bytes = (count: number) => count.toLocaleString("en-US");

process.exitCode = await main(process.argv.slice(2));
