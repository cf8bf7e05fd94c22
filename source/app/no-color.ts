/**
 * NO_COLOR (no-color.org) turns colour off. Ink's chalk only reads FORCE_COLOR, and only when it
 * is first loaded, so this module must be imported before anything that imports Ink.
 */
const noColor = process.env['NO_COLOR'];
if (noColor !== undefined && noColor !== '' && process.env['FORCE_COLOR'] === undefined) process.env['FORCE_COLOR'] = '0';

export {};
