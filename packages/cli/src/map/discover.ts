import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Subpath a service package exports its declaration under, as in `"exports": { "./declaration": ... }`. */
export const DECLARATION_EXPORT = './declaration';

/** One exported value of a service's declaration module that looks like a `ServiceDeclaration`. */
export interface DeclarationSource {
  /** `name` from the service's package.json. */
  packageName: string;
  /** The declaration module, relative to the parent of the services directory, for messages. */
  file: string;
  /** Export name in the module; `default` for a default export. */
  exportName: string;
  /** The exported value, not yet validated. */
  value: unknown;
}

/** Result of discovery: the declarations found, and one problem per package that could not be read. */
export interface Discovery {
  sources: DeclarationSource[];
  problems: string[];
}

/**
 * Imports the `./declaration` export of every package directly under `servicesDir` and returns each
 * exported value that looks like a declaration. A package that exports `./declaration` but yields no
 * declaration, or fails to import, is reported as a problem. Packages without that export are skipped.
 */
export async function discoverDeclarations(servicesDir: string): Promise<Discovery> {
  const discovery: Discovery = { sources: [], problems: [] };
  const labelRoot = dirname(servicesDir);
  const packageDirs = readdirSync(servicesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(servicesDir, entry.name, 'package.json')))
    .map((entry) => join(servicesDir, entry.name))
    .sort();

  for (const packageDir of packageDirs) {
    const manifestLabel = relative(labelRoot, join(packageDir, 'package.json'));
    let manifest: { name?: unknown; exports?: unknown };
    try {
      manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
    } catch (error) {
      discovery.problems.push(`${manifestLabel}: invalid JSON: ${(error as Error).message}`);
      continue;
    }

    const target = declarationTarget(manifest.exports);
    if (target === undefined) continue;
    if (target === null) {
      discovery.problems.push(
        `${manifestLabel}: exports["${DECLARATION_EXPORT}"] has no "import" or "default" file. Point it at the declaration module, for example "./src/declaration.ts".`,
      );
      continue;
    }

    const packageName = typeof manifest.name === 'string' ? manifest.name : relative(labelRoot, packageDir);
    const modulePath = resolve(packageDir, target);
    const file = relative(labelRoot, modulePath);
    const found = await importDeclarations(modulePath, packageName, file, discovery.problems);
    if (found !== undefined && found.length === 0) {
      discovery.problems.push(
        `${file}: exports no service declaration. Export one built with defineService from @choreo/consumer-kit.`,
      );
    }
    discovery.sources.push(...(found ?? []));
  }
  return discovery;
}

/**
 * Returns the file behind the package's `./declaration` export: undefined when there is no such
 * export, null when the export exists but names no file this command can import.
 */
function declarationTarget(exports: unknown): string | null | undefined {
  if (!isRecord(exports) || !(DECLARATION_EXPORT in exports)) return undefined;

  const entry = exports[DECLARATION_EXPORT];
  if (typeof entry === 'string') return entry;
  if (isRecord(entry)) {
    const file = entry.import ?? entry.default;
    if (typeof file === 'string') return file;
  }
  return null;
}

async function importDeclarations(
  modulePath: string,
  packageName: string,
  file: string,
  problems: string[],
): Promise<DeclarationSource[] | undefined> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  } catch (error) {
    problems.push(`${file}: import failed: ${(error as Error).message}`);
    return undefined;
  }

  const seen = new Set<unknown>();
  const sources: DeclarationSource[] = [];
  for (const exportName of Object.keys(module).sort()) {
    const value = module[exportName];
    // `export const billingService = ...; export default billingService` declares one service, not two.
    if (!looksLikeDeclaration(value) || seen.has(value)) continue;
    seen.add(value);
    sources.push({ packageName, file, exportName, value });
  }
  return sources;
}

/**
 * Tells a declaration apart from the module's other exports: a plain object with `consumes` or
 * `produces`. Everything else about it is checked later, so a wrong declaration is reported, not skipped.
 */
function looksLikeDeclaration(value: unknown): boolean {
  return isRecord(value) && ('consumes' in value || 'produces' in value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
