/** What `arbiter serve` prints once it is listening and ready: what a new user needs to know. */
export interface StartupInfo {
  readonly url: string;
  readonly version: string;
  readonly catalogPath: string;
  readonly models: number;
  readonly enabledModels: number;
  readonly artifactDir: string;
  /** Artifact id@version, or `prior` when none was usable. */
  readonly predictor: string;
  /** Models with predictions learned from data, and models routed on their catalog tier prior. */
  readonly learnedModels: number;
  readonly priorModels: number;
  readonly embedder: string;
  readonly policy: string;
  readonly keysFile: string;
  readonly keys: number;
  readonly allowAnonymousRoute: boolean;
  readonly stateDir: string;
  readonly dbPath: string;
}

/** The start-up summary, a few aligned lines. */
export function formatStartupSummary(info: StartupInfo): string {
  const auth =
    info.keys > 0
      ? `on: ${info.keys} key${info.keys === 1 ? '' : 's'} in ${info.keysFile}` +
        (info.allowAnonymousRoute ? ' (anonymous /v1/route allowed)' : ' (every call needs a key)')
      : `off: no key in ${info.keysFile}; anyone may route, feedback and admin need a key: ` +
        '`npx arbiter keys add --tenant NAME` (picked up without a restart)';
  const rows: [string, string][] = [
    ['docs', `${info.url}/docs  (OpenAPI: ${info.url}/openapi.json)`],
    ['catalog', `${info.catalogPath}: ${info.models} models, ${info.enabledModels} enabled`],
    [
      'predictor',
      `${info.artifactDir} (${info.predictor}): ${info.learnedModels} models with learned ` +
        `predictions, ${info.priorModels} on catalog priors`,
    ],
    ['embedder', info.embedder],
    ['policy', info.policy],
    ['auth', auth],
    ['data', `${info.dbPath} (state dir ${info.stateDir})`],
  ];
  return [
    `Arbiter ${info.version} ready on ${info.url}`,
    ...rows.map(([key, value]) => `  ${key.padEnd(10)}${value}`),
    '',
  ].join('\n');
}
