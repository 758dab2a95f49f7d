#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` via the prepare script).
import { setFlagsFromString } from 'node:v8';

// Before any of Portico is loaded: no allocation-site pretenuring. With it, V8 sometimes starts
// allocating some per-request objects straight in the old generation, and every young object they
// point at then survives each scavenge until a full GC. Which way it goes differs from one process
// to the next: in about half the runs a server ran a quarter slower (measured: 26% of the young
// generation promoted per scavenge instead of 2%, 21–24k calls/s instead of 29–31k; with the flag,
// 15 runs of 15 were healthy). See bench/README.md.
setFlagsFromString('--no-allocation-site-pretenuring');

const { main } = await import('../dist/surfaces/cli/main.js');
process.exitCode = await main(process.argv);
