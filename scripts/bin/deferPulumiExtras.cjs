// Parts of Pulumi's Node.js SDK that `require("@pulumi/pulumi")` loads at
// start and that the program and the pack never use (the CLI only in some
// commands): loaded on first use instead. Required for its effect, before
// anything loads @pulumi/pulumi, by the program's and the pack's entries, the
// CLI's bin, policy-check and the test workers. (The stand-in providers load
// only @pulumi/pulumi/provider, which loads none of these.)
//
// Why: the SDK's index loads the Automation API (automation/index.js), whose
// runtime/closure code loads @npmcli/arborist and the whole TypeScript
// compiler (typescript-shim.js → typescript.js, 9 MB), for closure
// serialization, which no cdb code uses. Upstream knows (pulumi/pulumi#7184
// "Remove typescript dependency from core", open; #10185 took it off the
// runner's path, not the index's). `require("@pulumi/pulumi")` loaded 763
// modules in 0.74-0.85 s of CPU, with these deferred 239 in 0.17-0.19 s; one
// paper preview with the pack went from 9.6 to 7.4 CPU-s (bench/previewCpu.ts).
//
// How: each module's entry in Node's require cache is seeded with a stand-in
// whose exports are a Proxy. The first access to any property (other than the
// interop marker below) loads the real module, which then replaces the
// stand-in in the cache: later `require`s get the real module, and holders of
// the Proxy reach the real exports through it. A file that is not where this
// SDK version keeps it (another version) is simply not deferred.
// Hand-written: require-in-the-middle and import-in-the-middle (what
// OpenTelemetry uses) hook a module after it has loaded, not instead of it.
"use strict";
const Module = require("node:module");
const path = require("node:path");

/**
 * `esModule`: how TypeScript's __importStar sees the stand-in without loading
 * it. "esm" for a compiled ES module (the Proxy is the namespace), "cjs" for
 * a CommonJS package imported with `import * as` (the Proxy answers what
 * __importStar would have built: the exports, and the module as `default`),
 * undefined for a plain `require` (the marker is asked of the real module).
 */
function defer(file, esModule) {
  if (require.cache[file] || !require("node:fs").existsSync(file)) return;
  let real;
  const load = () => {
    if (real === undefined) {
      delete require.cache[file];
      real = require(file);
    }
    return real;
  };
  const get = (key) => {
    if (key === "__esModule" && esModule !== undefined) return true;
    if (key === "default" && esModule === "cjs") return load();
    return load()[key];
  };
  const stub = new Module(file, null);
  stub.filename = file;
  stub.loaded = true;
  stub.exports = new Proxy(
    {},
    {
      get: (_, key) => get(key),
      has: (_, key) => key in load(),
      ownKeys: () => Reflect.ownKeys(load()),
      // Configurable: the Proxy's own target is empty, and a proxy may not report a fixed property its target lacks.
      getOwnPropertyDescriptor: (_, key) => {
        const d = Object.getOwnPropertyDescriptor(load(), key);
        return d && { ...d, configurable: true };
      },
      set: (_, key, value) => ((load()[key] = value), true),
    },
  );
  require.cache[file] = stub;
}

/** Defers them for the @pulumi/pulumi that `root`'s code resolves. */
function deferPulumiExtras(root) {
  let sdk;
  try {
    sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [root] }));
  } catch {
    return; // not installed here: nothing to defer
  }
  // index.js: `__importStar(require("./automation"))`; the CLI's own imports of it load it at once.
  defer(path.join(sdk, "automation", "index.js"), "esm");
  // runtime/closure/parseFunction.js: `require("../../typescript-shim")`, used only to serialize a function.
  defer(path.join(sdk, "typescript-shim.js"), undefined);
  // runtime/closure/codePaths.js: `__importStar(require("@npmcli/arborist"))`, used only to serialize a function.
  try {
    defer(require.resolve("@npmcli/arborist", { paths: [sdk] }), "cjs");
  } catch {
    // absent: nothing to defer
  }
}

deferPulumiExtras(path.join(__dirname, "..", ".."));
module.exports = { deferPulumiExtras };
