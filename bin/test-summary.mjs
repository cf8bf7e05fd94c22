#!/usr/bin/env node
// Reads vitest's JSON report and prints the closing line "N passed, N failed[, N skipped]".
import {readFileSync} from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const skipped = report.numPendingTests + report.numTodoTests;
process.stdout.write(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
process.exitCode = report.numFailedTests === 0 && report.numTotalTests > 0 && report.success ? 0 : 1;
