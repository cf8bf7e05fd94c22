import {colorWanted} from '../../screens/runtime/colour.js';

/**
 * Tells Ink's chalk the colour decision (screens/runtime/colour.ts). Chalk reads only FORCE_COLOR, and only
 * when it is first loaded, so this module must be imported before anything that imports Ink.
 */
if (!colorWanted() && process.env['FORCE_COLOR'] === undefined) process.env['FORCE_COLOR'] = '0';

export {};
