import type { ScenarioInfo } from '../../report/conform-report.js';
import { parseScenarios, type Scenario } from './scenario.js';
import { BUILTIN_SCENARIO_FILES } from './scenarios/index.js';

export type LevelFilter = 'required' | 'recommended' | 'all';

/** The built-in catalogue, then the scenarios of extra files (`--scenarios DIR`); ids stay unique. */
export function loadCatalogue(extra: { name: string; json: unknown }[] = []): Scenario[] {
  return parseScenarios([...BUILTIN_SCENARIO_FILES, ...extra]);
}

/**
 * The scenarios a run takes: `only` ids (or id prefixes ending in `.`, e.g. `cancel.`), minus
 * `skip`, at `level` (`required`: those only; `recommended`: and the recommended ones; `all`:
 * capability scenarios too). An id that names nothing is an error (a typo must not pass).
 */
export function selectScenarios(
  all: readonly Scenario[],
  opts: { only?: string[]; skip?: string[]; level: LevelFilter },
): Scenario[] {
  const hits = (pattern: string, s: Scenario) =>
    pattern.endsWith('.') ? s.id.startsWith(pattern) : s.id === pattern;
  for (const p of [...(opts.only ?? []), ...(opts.skip ?? [])])
    if (!all.some((s) => hits(p, s))) throw new Error(`no scenario ${p} (see conform --list)`);
  const levels =
    opts.level === 'required'
      ? ['required']
      : opts.level === 'recommended'
        ? ['required', 'recommended']
        : undefined;
  return all.filter(
    (s) =>
      (!opts.only?.length || opts.only.some((p) => hits(p, s))) &&
      !opts.skip?.some((p) => hits(p, s)) &&
      (!levels || levels.includes(s.level)),
  );
}

export function scenarioInfo(s: Scenario): ScenarioInfo {
  const { id, title, level, area, capability, checks, source } = s;
  return { id, title, level, area, ...(capability ? { capability } : {}), checks, source };
}
