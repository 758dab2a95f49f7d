#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` via the prepare script).
import { main } from '../dist/surfaces/cli/main.js';

process.exitCode = await main(process.argv);
