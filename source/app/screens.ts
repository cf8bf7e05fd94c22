// First: chalk decides on colour once, when it loads, and NO_COLOR must be settled before that.
import './no-color.js';

/**
 * What `ampzero run` needs to show the dashboard (and `ampzero fleet` its fleet view), loaded by
 * load-screens.ts. The build also bundles this module with its imports into one
 * file (bin/bundle.mjs): React's production build, Ink, and only the parts of Ink's dependencies it
 * uses. Loading that one file costs the process about 30 MB less than loading the same code as some
 * 400 modules.
 */
export {createElement} from 'react';
export {Dashboard} from '../../screens/dashboard/Dashboard.js';
export {Fleet} from '../../screens/fleet/Fleet.js';
export {renderFullscreen} from './fullscreen.js';
