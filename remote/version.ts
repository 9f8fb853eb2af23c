/** Agent version (kept in step with package.json by the build's define; falls back for tests under tsx). */
declare const __AGENT_VERSION__: string | undefined;
export const AGENT_VERSION: string = typeof __AGENT_VERSION__ === 'string' ? __AGENT_VERSION__ : '0.0.0-dev';
