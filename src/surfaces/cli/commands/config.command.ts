/** `portico config print|docs`: show the effective configuration (secrets redacted) or its reference. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { renderConfigDocs, spliceConfigDocs } from '../../../config/config-docs.js';
import { redactConfig } from '../../../config/redact-config.js';
import { configFromFlags, withCommonOptions, type CommonFlags } from '../cli-context.js';

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('inspect configuration');
  withCommonOptions(config.command('print').description('print the effective configuration with secrets redacted'))
    .option('--format <format>', 'yaml or json', 'yaml')
    .option('--host <host>', 'as for serve')
    .option('--port <port>', 'as for serve')
    .action((flags: CommonFlags & { format: string; host?: string; port?: string }) => {
      const effective = redactConfig(configFromFlags(flags, { 'server.host': flags.host, 'server.port': flags.port }));
      process.stdout.write(flags.format === 'json' ? `${JSON.stringify(effective, null, 2)}\n` : toYaml(effective));
    });
  config
    .command('docs')
    .description('print the configuration reference as Markdown')
    .option('--write <file>', 'replace the generated block in this Markdown file instead of printing')
    .action((flags: { write?: string }) => {
      if (!flags.write) {
        process.stdout.write(`${renderConfigDocs()}\n`);
        return;
      }
      writeFileSync(flags.write, spliceConfigDocs(readFileSync(flags.write, 'utf8')));
    });
}
