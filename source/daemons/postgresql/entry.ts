// The entry of dist/source/daemons/postgresql.bundle.js: see ../daemon-entry.ts.
import {runDaemonEntry} from '../daemon-entry.js';
import * as daemon from './main.js';

await runDaemonEntry('postgresql', daemon, process.argv.slice(2));
