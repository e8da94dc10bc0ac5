#!/usr/bin/env node
'use strict';
// The compiled CLI lives in dist/ (make build). Resolve from the package root so it works from any cwd.
const path = require('path');
const main = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
try {
  require.resolve(main);
} catch {
  process.stderr.write('proctap: not built yet; run `make build` in ' + path.join(__dirname, '..') + '\n');
  process.exit(2);
}
require(main).main(process.argv).catch((err) => {
  process.stderr.write(`proctap: ${err && err.message ? err.message : String(err)}\n`);
  process.exit(1);
});
