// The entry of dist/source/daemons/logstore.bundle.js: see ../daemon-entry.ts.
import {runDaemonEntry} from '../daemon-entry.js';
import * as daemon from './main.js';

await runDaemonEntry('logstore', daemon, process.argv.slice(2));
