#!/usr/bin/env node
// The kitseg CLI. The TypeScript sources are compiled to dist/ by `npm ci` (the prepare script).
import { main } from '../dist/lib/cli/main.js';

await main();
