/**
 * The code provider: the `code_execution` tool, registered only when `code.enabled` is set, and then
 * visible only to principals granted `code:execute`. JavaScript runs in QuickJS (javascript-runner.ts),
 * Python in a namespaced, rate-limited subprocess (python-runner.ts).
 */
import type { FrozenConfig } from '../../config/schema.js';
import type { Provider } from '../provider.js';
import { codeExecutionTool, type Runner } from './code-execution-tool.js';
import { runJavaScript } from './javascript-runner.js';
import { createPythonSandbox } from './python-runner.js';
import type { Language } from './run-result.js';

export const CODE_SOURCE = 'code';

export function createCodeProvider(config: FrozenConfig): Provider {
  return {
    name: CODE_SOURCE,
    start({ catalog, store, logger }) {
      const code = config.code;
      if (!code.enabled) return;
      const runners: Partial<Record<Language, Runner>> = {};
      if (code.languages.includes('javascript')) runners.javascript = runJavaScript;
      if (code.languages.includes('python')) {
        const python = code.python;
        const sandbox = createPythonSandbox({
          executable: python.executable,
          isolation: python.isolation,
          cpuSeconds: python.cpuSeconds,
          fileSizeBytes: python.fileSizeBytes,
          processes: python.processes,
          // The data directory holds the database, the secret key and blobs: never visible to guests.
          hiddenPaths: [store.dataDir.root, ...python.hiddenPaths],
        });
        runners.python = (source, limits, signal) => sandbox.run(source, limits, signal);
        logger.info({ isolation: sandbox.isolation }, 'code_execution: Python sandbox');
      }
      if (Object.keys(runners).length) catalog.add(codeExecutionTool(code, runners, CODE_SOURCE));
    },
  };
}
