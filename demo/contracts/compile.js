// Compile Solidity with solc-js, offline.
//
// Usage: node compile.js <node_modules dir>  < standard-json-input  > standard-json-output
//
// Sources named in the input are compiled as given; imports of installed packages
// ("@openzeppelin/contracts/...") are read from <node_modules dir>. Nothing is downloaded.
"use strict";

const fs = require("fs");
const path = require("path");

const nodeModules = path.resolve(process.argv[2] || "node_modules");
const solc = require(path.join(nodeModules, "solc"));

function findImports(importPath) {
  // Only package imports are resolved, and only inside node_modules.
  const full = path.resolve(nodeModules, importPath);
  if (!full.startsWith(nodeModules + path.sep)) {
    return { error: `import outside node_modules refused: ${importPath}` };
  }
  try {
    return { contents: fs.readFileSync(full, "utf8") };
  } catch (err) {
    return { error: `cannot read ${importPath} from ${nodeModules}: ${err.code || err}` };
  }
}

const input = fs.readFileSync(0, "utf8");
const output = solc.compile(input, { import: findImports });
process.stdout.write(output);
