// The entry of dist/source/daemons/zerodata.bundle.js: see ../daemon-entry.ts.
import {runDaemonEntry} from '../daemon-entry.js';
import * as daemon from './main.js';

await runDaemonEntry('zerodata', daemon, process.argv.slice(2));
