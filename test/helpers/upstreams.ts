/**
 * Upstream MCP servers for gateway tests: the published reference servers (run from node_modules
 * with this Node, no network), definitions for them, and process checks for the orphan tests.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { upstreamDefinitionSchema, type UpstreamDefinition, type UpstreamDefinitionInput } from '../../src/gateway/upstream-definition.js';

const require = createRequire(import.meta.url);

function binOf(pkg: string, bin: string): string {
  const manifest = require.resolve(`${pkg}/package.json`);
  const json = require(manifest) as { bin: Record<string, string> };
  return join(dirname(manifest), json.bin[bin]!);
}

export const EVERYTHING_BIN = binOf('@modelcontextprotocol/server-everything', 'mcp-server-everything');
export const FILESYSTEM_BIN = binOf('@modelcontextprotocol/server-filesystem', 'mcp-server-filesystem');

let seq = 0;
/** A complete definition (defaults applied), with a fresh id. */
export function upstream(input: Omit<UpstreamDefinitionInput, 'name'> & { name?: string; id?: string }): UpstreamDefinition {
  seq++;
  return upstreamDefinitionSchema.parse({ id: `test-${seq}`, name: `up${seq}`, ...input });
}

export function everythingStdio(extra: Partial<UpstreamDefinitionInput> = {}): UpstreamDefinition {
  return upstream({ name: 'everything', transport: { type: 'stdio', command: process.execPath, args: [EVERYTHING_BIN, 'stdio'] }, ...extra });
}

export function filesystemStdio(root: string, extra: Partial<UpstreamDefinitionInput> = {}): UpstreamDefinition {
  return upstream({ name: 'fs', transport: { type: 'stdio', command: process.execPath, args: [FILESYSTEM_BIN, root] }, ...extra });
}

/** Pids of live processes whose command line contains `needle` (Linux `ps`). */
export function processesMatching(needle: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes(needle) && !line.includes('ps -eo'))
    .map((line) => Number(line.trim().split(/\s+/)[0]))
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid);
}

/** Whether a process is running (a zombie waiting for a reaper that is not ours does not count). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The parent pid of a process (Linux /proc), or undefined when it is gone. */
export function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}
