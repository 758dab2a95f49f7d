/**
 * `code`: the `code_execution` tool. Off by default; when on, only principals granted
 * `code:execute` see it. JavaScript runs in QuickJS (WASM, no I/O); Python runs in a subprocess
 * with resource limits and, where the kernel allows, Linux namespaces (see README).
 */
import { z } from 'zod';
import { meta } from '../key-meta.js';

export const codeSchema = z.strictObject({
  enabled: z.boolean().default(false).meta(meta({ description: 'Offer the `code_execution` tool (to principals granted `code:execute`).' })),
  languages: z
    .array(z.enum(['javascript', 'python']))
    .default(['javascript', 'python'])
    .meta(meta({ description: 'Languages the tool accepts (comma-separated in the environment).' })),
  timeoutMs: z.number().int().min(100).max(120_000).default(5_000).meta(meta({ description: 'Wall-clock limit of one run (JavaScript: interrupt; Python: the process group is killed).' })),
  memoryBytes: z
    .number()
    .int()
    .min(16 * 1024 * 1024)
    .default(256 * 1024 * 1024)
    .meta(meta({ description: 'Memory limit: QuickJS heap for JavaScript, address space (RLIMIT_AS) for Python.' })),
  maxOutputBytes: z.number().int().min(1024).default(65_536).meta(meta({ description: 'Largest stdout (and stderr) kept; the rest is dropped and flagged.' })),
  maxCodeBytes: z.number().int().min(1024).default(100_000).meta(meta({ description: 'Largest accepted program.' })),
  python: z
    .strictObject({
      executable: z.string().min(1).default('/usr/bin/python3').meta(meta({ description: 'Python interpreter (absolute path; must be readable by the sandbox user).' })),
      isolation: z
        .enum(['namespaces', 'rlimits'])
        .default('namespaces')
        .meta(
          meta({
            description:
              '`namespaces`: run under `unshare` (no network, private /proc, data directory hidden; Python refused if unavailable). `rlimits`: resource limits only — network and file reads are NOT blocked.',
          }),
        ),
      cpuSeconds: z.number().int().min(1).default(5).meta(meta({ description: 'CPU time limit (RLIMIT_CPU).' })),
      fileSizeBytes: z.number().int().min(0).default(1_048_576).meta(meta({ description: 'Largest file the program may write (RLIMIT_FSIZE).' })),
      processes: z.number().int().min(1).default(16).meta(meta({ description: 'Process limit (RLIMIT_NPROC) for the sandbox user.' })),
      hiddenPaths: z
        .array(z.string().min(1))
        .default([])
        .meta(meta({ description: 'Extra absolute paths hidden from Python (an empty tmpfs is mounted over them) besides the data directory.' })),
    })
    .prefault({}),
});

export type CodeConfig = z.output<typeof codeSchema>;
