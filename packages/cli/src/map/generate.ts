import { loadContracts } from '@choreo/contracts';

import { DeclarationError, type DeclaredService, validateDeclarations } from './declarations';
import { discoverDeclarations } from './discover';
import { type EventMap, buildEventMap } from './model';
import { renderHtml } from './render-html';
import { renderJson } from './render-json';
import { renderMarkdown } from './render-markdown';

/** Inputs of the map. */
export interface MapSources {
  /** Directory whose subdirectories are service packages, such as `<workspace>/services`. */
  servicesDir: string;
  /** Contracts directory with contracts.json and schemas/. */
  contractsDir: string;
}

/** The map and the declarations it was built from. */
export interface LoadedMap {
  map: EventMap;
  services: DeclaredService[];
}

/**
 * Discovers and validates every service declaration and builds the map. Throws DeclarationError
 * listing every invalid declaration, and ContractError when the contracts cannot be loaded.
 */
export async function loadEventMap(sources: MapSources): Promise<LoadedMap> {
  const contracts = loadContracts(sources.contractsDir);
  const discovery = await discoverDeclarations(sources.servicesDir);

  let services: DeclaredService[] = [];
  const problems = [...discovery.problems];
  try {
    services = validateDeclarations(discovery.sources, contracts);
  } catch (error) {
    if (!(error instanceof DeclarationError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0) throw new DeclarationError(problems);

  return { map: buildEventMap(contracts, services), services };
}

/** Renders the three map files, keyed by file name inside the output directory. */
export function renderMapFiles(map: EventMap): Map<string, string> {
  return new Map([
    ['event-map.json', renderJson(map)],
    ['event-map.md', renderMarkdown(map)],
    ['event-map.html', renderHtml(map)],
  ]);
}
