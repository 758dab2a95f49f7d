/**
 * Turn the `files.roots` configuration into ready directories: a relative path lives under the data
 * directory and is created when missing (the default `templates` and `static` roots then get their
 * demo content); an absolute path must already exist, because creating directories elsewhere on the
 * machine is not Portico's call. A root that contains the data directory is refused: it would serve
 * the secret key and the database. Refusals name the root and the reason.
 */
import { mkdir, realpath, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import type { FilesConfig } from '../../config/sections/files.js';
import { PorticoError } from '../../core/errors.js';
import type { Logger } from '../../logging/logger.js';
import { demoStatic } from './demo/demo-static.js';
import { demoTemplates, type DemoFile } from './demo/demo-templates.js';
import type { ResolvedRoot } from './file-roots.js';

/** Which demo set a root gets when its directory is first created, by root name. */
const DEMO_SETS: Readonly<Record<string, () => readonly DemoFile[]>> = { templates: demoTemplates, static: demoStatic };

async function writeDemo(dir: string, files: readonly DemoFile[]): Promise<void> {
  for (const file of files) {
    const target = join(dir, ...file.path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.content, { flag: 'wx' });
  }
}

async function isDirectory(path: string): Promise<boolean | undefined> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function prepareRoots(files: FilesConfig, dataDir: string, logger: Logger): Promise<ResolvedRoot[]> {
  const roots: ResolvedRoot[] = [];
  for (const [name, root] of Object.entries(files.roots)) {
    const underData = !isAbsolute(root.path);
    const path = underData ? resolve(dataDir, root.path) : root.path;
    let exists: boolean | undefined;
    try {
      exists = await isDirectory(path);
      if (exists === false) throw new PorticoError('startup_failed', `file root "${name}" (${path}) is not a directory`);
      if (exists === undefined) {
        if (!underData) throw new PorticoError('startup_failed', `file root "${name}": directory ${path} does not exist (absolute roots are not created; create it or fix files.roots)`);
        await mkdir(path, { recursive: true });
        const demo = DEMO_SETS[name];
        if (files.demoContent && demo) {
          await writeDemo(path, demo());
          logger.info({ root: name }, 'file root created with demo content');
        }
      }
      const real = await realpath(path);
      // A root holding the data directory would serve the secret key and the database.
      const data = await realpath(dataDir);
      if (data === real || data.startsWith(real.endsWith(sep) ? real : real + sep)) {
        throw new PorticoError('startup_failed', `file root "${name}" (${path}) contains the data directory, which holds the secret key and the database; choose a directory inside or beside it`);
      }
      roots.push({ name, real, writable: root.writable, description: root.description });
    } catch (err) {
      if (err instanceof PorticoError) throw err;
      throw new PorticoError('startup_failed', `file root "${name}" (${path}) is not usable (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
    }
  }
  return roots;
}
