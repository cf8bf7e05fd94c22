// The entry of dist/source/daemons/ampnode.bundle.js: see ../daemon-entry.ts.
import {runDaemonEntry} from '../daemon-entry.js';
import * as daemon from './main.js';

await runDaemonEntry('ampnode', daemon, process.argv.slice(2));
