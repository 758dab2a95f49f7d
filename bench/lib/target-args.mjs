/* global process, console -- Node globals; the root ESLint config declares them only for *.js */
// Shared by the bench target processes: read the mandatory `--port <n>` argument.

/**
 * @param {string[]} argv process.argv
 * @returns {number}
 */
export function portFromArgv(argv) {
  const i = argv.indexOf('--port');
  const port = i >= 0 ? Number(argv[i + 1]) : NaN;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    console.error('usage: node <target>.mjs --port <port>');
    process.exit(2);
  }
  return port;
}
