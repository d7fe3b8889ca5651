/**
 * Layering of lib/, checked in `npm test` (`npm run lint:deps`). Each folder may import only from
 * folders listed before it, so imports point one way (core first, cli last) and no two folders
 * can form a cycle; `no-circular` catches cycles between files inside a folder.
 */
const LAYERS = [
  'core',
  'rng',
  'registry',
  'config',
  'io',
  'charts',
  'backend',
  'ops',
  'metrics',
  'postprocess',
  'models',
  'losses',
  'transforms',
  'data',
  'synth',
  'registration',
  'preprocess',
  'training',
  'detection',
  'inference',
  'tasks',
  'evaluation',
  'experiments',
  'bundle',
  'server',
  'bench',
  'cli',
];

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer}`,
  comment: `lib/${layer}/ may import only from the layers below it: ${LAYERS.slice(0, i).join(', ') || '(none)'}`,
  severity: 'error',
  from: { path: `^lib/${layer}/` },
  to: { path: `^lib/(${LAYERS.slice(i + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles between files.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'known-layer',
      comment: 'Every folder of lib/ has a place in LAYERS (.dependency-cruiser.cjs).',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: `^lib/(?!(${LAYERS.join('|')})/|[^/]+\\.ts$)` },
    },
    {
      name: 'web-entry-browser-safe',
      comment: 'lib/web.ts, which the web page bundles, reaches no Node built-in module.',
      severity: 'error',
      from: { path: '^lib/web\\.ts$' },
      to: { path: '^(node:)?[a-z_]+$', reachable: true },
    },
    {
      name: 'lib-not-test',
      comment: 'lib/ never imports test code.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^test/' },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
