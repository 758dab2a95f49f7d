// CPU time of a process from /proc (Linux): what one call costs each process, load generator excluded.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * User + system CPU of a process (all its threads: the event loop, GC helpers, libuv) in microseconds, or undefined
 * where /proc is not available.
 * @param {number} pid
 * @returns {number | undefined}
 */
export function cpuMicros(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at ") ": utime is the 14th field, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * The machine's CPU time so far, all CPUs, in clock ticks: the total, the part the hypervisor gave to other guests
 * (steal) and the part no process used (idle + iowait). On a shared VM a run whose steal share is high was slowed from
 * outside; idle time under load means the processes were waiting on each other, not on the CPU. Undefined where
 * /proc is missing.
 * @returns {{ total: number, steal: number, idle: number } | undefined}
 */
export function machineCpuTicks() {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already counted in user)
    return { total: cpu.slice(0, 8).reduce((a, b) => a + b, 0), steal: cpu[7] ?? 0, idle: (cpu[3] ?? 0) + (cpu[4] ?? 0) };
  } catch {
    return undefined;
  }
}

/**
 * The share of the machine's CPU time that went to `key` between two readings (0 when unknown).
 * @param {ReturnType<typeof machineCpuTicks>} before
 * @param {ReturnType<typeof machineCpuTicks>} after
 * @param {'steal' | 'idle'} key
 */
export function machineShare(before, after, key) {
  return before && after && after.total > before.total ? (after[key] - before[key]) / (after.total - before.total) : 0;
}
