// Bundles the compiled file driver, the plugin SDK and their dependencies into one ES module,
// dist/examples/file-driver/file-driver.mjs, which is what `cghost serve` launches. Node 20 loads
// every module file on its own (resolve, read, compile, link): started from tsc's output the
// driver loads some 140 files (its own, the SDK's and the generated code's 27 ES modules, 19 of
// @bufbuild/protobuf, 95 CommonJS files of grpc-js and pino), and that loading is most of a
// plugin's start. As one file the example answers its first call ~20 % sooner (bench/README.md,
// "Plugin start"). A driver written with the SDK can ship the same way: nothing in the SDK
// depends on being loaded file by file.
//
//   node dist/examples/file-driver/bundle.js      (run by `npm run build`, after tsc)
import { statSync } from "node:fs";
import { join, relative } from "node:path";
import { build } from "esbuild";

/** Where tsc put the driver's entry point, and where the bundle goes beside it. */
export const BUNDLE_ENTRY = join(import.meta.dirname, "main.js");
export const BUNDLE_FILE = join(import.meta.dirname, "file-driver.mjs");

// grpc-js and pino are CommonJS and call require() for Node's own modules; an ES module has no
// require, so the bundle makes one. The alias keeps the name clear of anything bundled.
const REQUIRE_SHIM = "import { createRequire as cghostBundleCreateRequire } from 'node:module';\n" +
  "const require = cghostBundleCreateRequire(import.meta.url);";

/** Writes the bundle and its source map (which points through tsc's maps to the .ts sources). */
export async function bundleFileDriver(): Promise<{ file: string; bytes: number }> {
  await build({
    entryPoints: [BUNDLE_ENTRY],
    outfile: BUNDLE_FILE,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: true,
    banner: { js: REQUIRE_SHIM },
    logLevel: "warning",
  });
  return { file: BUNDLE_FILE, bytes: statSync(BUNDLE_FILE).size };
}

if (process.argv[1] === import.meta.filename) {
  if (process.argv[2] === "--help" || process.argv[2] === "-h") {
    process.stdout.write("usage: node dist/examples/file-driver/bundle.js\n\nBundles the compiled file driver (main.js, after tsc) into file-driver.mjs beside it.\n");
    process.exit(0);
  }
  if (process.argv.length > 2) {
    process.stderr.write(
      `bundle: takes no arguments (got ${process.argv.slice(2).join(" ")}); it bundles ${relative(process.cwd(), BUNDLE_ENTRY)} into ${relative(process.cwd(), BUNDLE_FILE)}\n`,
    );
    process.exit(2);
  }
  const started = performance.now();
  const { file, bytes } = await bundleFileDriver();
  process.stdout.write(`bundled the file driver: ${relative(process.cwd(), file)}, ${(bytes / 1024).toFixed(0)} KiB, ${(performance.now() - started).toFixed(0)} ms\n`);
}
