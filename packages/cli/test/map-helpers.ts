import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WORKSPACE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** What a test service declares; written into its `src/declaration.ts` as a defineService call. */
export interface TestDeclaration {
  name?: string;
  owner?: string;
  groupId?: string;
  consumes?: unknown;
  produces?: unknown;
  retry?: unknown;
}

/**
 * A temporary directory laid out like `services/`, with a node_modules that resolves
 * `@choreo/consumer-kit` to the workspace package, so declarations import it as the real ones do.
 * `outDir` is an empty directory for the generated files. Removed by `remove()`.
 */
export class ServicesDir {
  readonly root = mkdtempSync(join(tmpdir(), 'choreo-map-'));
  readonly servicesDir = join(this.root, 'services');
  readonly outDir = join(this.root, 'docs');

  constructor() {
    mkdirSync(this.servicesDir);
    mkdirSync(join(this.root, 'node_modules', '@choreo'), { recursive: true });
    symlinkSync(
      join(WORKSPACE_ROOT, 'packages', 'consumer-kit'),
      join(this.root, 'node_modules', '@choreo', 'consumer-kit'),
      'dir',
    );
  }

  /** Copies a service of the workspace: its package.json and declaration module. */
  copyService(directory: string): void {
    const source = join(WORKSPACE_ROOT, 'services', directory);
    cpSync(join(source, 'package.json'), join(this.servicesDir, directory, 'package.json'));
    cpSync(join(source, 'src', 'declaration.ts'), join(this.servicesDir, directory, 'src', 'declaration.ts'));
  }

  /** Adds a service package exporting `./declaration` with one declaration named `exportName`. */
  addService(directory: string, declaration: TestDeclaration, exportName = 'service'): void {
    this.writePackage(directory, { './declaration': './src/declaration.ts' });
    this.writeFile(
      directory,
      'src/declaration.ts',
      [
        "import { defineService } from '@choreo/consumer-kit';",
        '',
        `export const ${exportName} = defineService(${JSON.stringify(declaration, null, 2)});`,
        '',
      ].join('\n'),
    );
  }

  writePackage(directory: string, exports: Record<string, unknown>): void {
    const manifest = { name: `@test/${directory}`, private: true, type: 'module', exports };
    this.writeFile(directory, 'package.json', `${JSON.stringify(manifest, null, 2)}\n`);
  }

  writeFile(directory: string, file: string, content: string): void {
    const path = join(this.servicesDir, directory, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }

  /** Reads a generated file from `outDir`. */
  read(file: string): string {
    return readFileSync(join(this.outDir, file), 'utf8');
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
