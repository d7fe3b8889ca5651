// Loads the compiled oneDNN addon. Importing this module fails (and kitseg reports why) when the
// addon was not built, e.g. because libdnnl-dev is not installed.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const addon = require('./build/Release/kitseg_native.node');

export default addon;
