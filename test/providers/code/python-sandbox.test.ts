/**
 * The Python sandbox on this host (namespaces mode): results and the escapes seed 004's naive
 * subprocess allowed — loops, memory and fork bombs, network, files outside the sandbox (the data
 * directory's secret.key), the environment and Portico's own process.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPythonSandbox } from '../../../src/providers/code/python-runner.js';
import { loadSecretKey, prepareDataDirectory } from '../../../src/store/data-directory.js';
import { tempDir } from '../../helpers/temp-dir.js';

const dataDir = prepareDataDirectory(tempDir('portico-code-data-'));
loadSecretKey(dataDir);
const secretKeyFile = dataDir.secretKeyFile;
const limits = { timeoutMs: 5_000, memoryBytes: 256 * 1024 * 1024, maxOutputBytes: 8192 };
const sandbox = createPythonSandbox({ executable: '/usr/bin/python3', isolation: 'namespaces', cpuSeconds: 3, fileSizeBytes: 1024 * 1024, processes: 16, hiddenPaths: [dataDir.root] });

let listener: Server;
let accepted = 0;

beforeAll(async () => {
  listener = createServer((socket) => {
    accepted++;
    socket.end('hello from the host\n');
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));

describe('Python sandbox', () => {
  it('runs on this host with namespaces', () => {
    expect(sandbox.isolation).toMatch(/^namespaces/);
  });

  it('runs a program and returns its output', async () => {
    const result = await sandbox.run('import json\nprint(json.dumps({"sum": sum(range(10))}))', limits);
    expect(result).toMatchObject({ language: 'python', ok: true, exitCode: 0, stdout: '{"sum": 45}\n', stderr: '', timedOut: false });
  });

  it('reports an exception as a failure with the traceback', async () => {
    const result = await sandbox.run('raise ValueError("nope")', limits);
    expect(result).toMatchObject({ ok: false, exitCode: 1 });
    expect(result.stderr).toMatch(/ValueError: nope/);
  });

  it('kills an infinite loop at the wall-clock deadline', async () => {
    const started = Date.now();
    const result = await sandbox.run('while True:\n    pass', { ...limits, timeoutMs: 1_000 });
    expect(result).toMatchObject({ ok: false, timedOut: true, signal: 'SIGKILL' });
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('stops a CPU hog at the CPU limit even when the deadline is later', async () => {
    const oneSecond = createPythonSandbox({ executable: '/usr/bin/python3', isolation: 'namespaces', cpuSeconds: 1, fileSizeBytes: 0, processes: 4, hiddenPaths: [] });
    const result = await oneSecond.run('while True:\n    pass', { ...limits, timeoutMs: 20_000 });
    expect(result.ok).toBe(false);
    expect(result.timedOut).toBe(false);
    expect(['SIGXCPU', 'SIGKILL']).toContain(result.signal);
  });

  it('stops a memory bomb at the address-space limit', async () => {
    const result = await sandbox.run('x = []\nwhile True:\n    x.append(bytearray(10**7))', limits);
    expect(result.ok).toBe(false);
    expect(result.stderr).toMatch(/MemoryError/);
  });

  it('contains a fork bomb and leaves no process behind', async () => {
    const marker = `31.${Date.now() % 100000}`;
    const code = [
      'import os',
      'n = 0',
      'try:',
      '    while True:',
      '        if os.fork() == 0:',
      `            os.execv("/bin/sleep", ["/bin/sleep", "${marker}"])`,
      '        n += 1',
      'except OSError as e:',
      '    print("fork refused after", n, type(e).__name__)',
    ].join('\n');
    const result = await sandbox.run(code, limits);
    expect(result.stdout).toMatch(/fork refused after \d+ BlockingIOError/);
    expect(Number(/after (\d+)/.exec(result.stdout)![1])).toBeLessThan(16);
    const survivors = execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((line) => line.includes(marker));
    expect(survivors).toEqual([]);
  });

  it('has no network, not even to 127.0.0.1', async () => {
    const port = (listener.address() as AddressInfo).port;
    const code = `import socket\ns = socket.socket()\ns.settimeout(2)\ntry:\n    s.connect(("127.0.0.1", ${port}))\n    print("connected", s.recv(100))\nexcept OSError as e:\n    print("refused", e.errno)`;
    const result = await sandbox.run(code, limits);
    expect(result.stdout).toMatch(/^refused \d+/);
    expect(accepted).toBe(0);
  });

  it("cannot read the data directory's secret.key", async () => {
    const key = readFileSync(secretKeyFile);
    const code = `try:\n    print("read", open(${JSON.stringify(secretKeyFile)}, "rb").read().hex())\nexcept OSError as e:\n    print("refused", type(e).__name__)\nimport os\ntry:\n    print("listing", os.listdir(${JSON.stringify(dataDir.root)}))\nexcept OSError as e:\n    print("refused", type(e).__name__)`;
    const result = await sandbox.run(code, limits);
    expect(result.stdout).not.toContain(key.toString('hex'));
    expect(result.stdout).not.toMatch(/^read /m);
    expect(result.stdout).toMatch(/^refused \w+Error\n(refused \w+Error|listing \[\])\n$/);
  });

  it('holds no capabilities, so it cannot unmount what hides the data directory', async () => {
    const code = [
      'import ctypes',
      'status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)',
      'print(status["CapEff"].strip(), status["CapBnd"].strip(), status["NoNewPrivs"].strip())',
      'libc = ctypes.CDLL(None, use_errno=True)',
      `print("umount", libc.umount2(${JSON.stringify(dataDir.root)}.encode(), 2), ctypes.get_errno())`,
    ].join('\n');
    const result = await sandbox.run(code, limits);
    const [caps, umount] = result.stdout.trim().split('\n');
    expect(caps).toBe('0000000000000000 0000000000000000 1');
    expect(umount).toMatch(/^umount -1 (1|13)$/);
  });

  it("sees neither Portico's environment nor its process", async () => {
    process.env.PORTICO_TEST_LEAK_MARKER = 'leak-7f3a';
    try {
      const code = `import os\nprint(sorted(k for k in os.environ if k != "LC_CTYPE"))\nprint(os.getpid(), sorted(p for p in os.listdir("/proc") if p.isdigit()))\ntry:\n    print(open("/proc/${process.pid}/environ", "rb").read())\nexcept OSError as e:\n    print("no", type(e).__name__)`;
      const result = await sandbox.run(code, limits);
      expect(result.stdout).not.toContain('leak-7f3a');
      const [env, procs, environ] = result.stdout.trim().split('\n');
      expect(env).toBe('[]');
      // Its own PID namespace: the sandbox's init (1) and itself, nothing of the host.
      expect(procs).toBe("2 ['1', '2']");
      expect(environ).toMatch(/^no /);
    } finally {
      delete process.env.PORTICO_TEST_LEAK_MARKER;
    }
  });

  it('gets stdin closed, no inherited descriptors, and a fresh working directory deleted afterwards', async () => {
    const code = 'import os, sys\nprint(repr(sys.stdin.read()))\nprint(sorted(int(f) for f in os.listdir("/proc/self/fd")))\nprint(os.getcwd())\nprint(os.listdir("."))';
    const result = await sandbox.run(code, limits);
    const [stdin, fds, cwd, listing] = result.stdout.trim().split('\n');
    expect(stdin).toBe("''");
    // 0-2, plus the descriptor listdir itself opened.
    expect(JSON.parse(fds!).filter((fd: number) => fd > 2).length).toBeLessThanOrEqual(1);
    expect(cwd).toMatch(/portico-code-/);
    expect(listing).toBe("['main.py']");
    expect(existsSync(cwd!)).toBe(false);
  });

  it('in rlimits mode keeps limits and the empty environment but does NOT block the network, as the README says', async () => {
    const weak = createPythonSandbox({ executable: '/usr/bin/python3', isolation: 'rlimits', cpuSeconds: 3, fileSizeBytes: 1024 * 1024, processes: 16, hiddenPaths: [dataDir.root] });
    expect(weak.isolation).toMatch(/NOT blocked/);
    const port = (listener.address() as AddressInfo).port;
    const before = accepted;
    const code = `import os, socket\nprint(sorted(k for k in os.environ if k != "LC_CTYPE"))\ns = socket.create_connection(("127.0.0.1", ${port}), timeout=2)\nprint(s.recv(100).decode().strip())`;
    const result = await weak.run(code, limits);
    expect(result.stdout).toBe("[]\nhello from the host\n");
    expect(accepted - before).toBe(1);
    const loop = await weak.run('while True:\n    pass', { ...limits, timeoutMs: 800 });
    expect(loop).toMatchObject({ ok: false, timedOut: true });
  });

  it('caps file writes and output', async () => {
    const big = await sandbox.run('open("big.bin", "wb").write(b"x" * (4 * 1024 * 1024))', limits);
    expect(big.ok).toBe(false);
    expect(big.stderr).toMatch(/File too large|OSError/);
    const chatty = await sandbox.run('print("y" * 100000)', limits);
    expect(chatty.truncated).toBe(true);
    expect(chatty.stdout.length).toBe(limits.maxOutputBytes);
  });
});
