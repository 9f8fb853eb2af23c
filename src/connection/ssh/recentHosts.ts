/** Hosts connected to recently (most recent first), kept in globalState for the "Connect to GPU Host…" picker. */
export interface Memento {
  get<T>(key: string, defaultValue: T): T;
  update(key: string, value: unknown): Thenable<void>;
}

const KEY = 'selfreward.ssh.recentHosts';
const MAX = 10;

export function recentHosts(state: Memento): string[] {
  const v = state.get<unknown>(KEY, []);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export async function rememberHost(state: Memento, host: string): Promise<void> {
  await state.update(KEY, [host, ...recentHosts(state).filter((h) => h !== host)].slice(0, MAX));
}

/** Picker order: recent hosts first, then the config's hosts not already listed. */
export function pickerHosts(recent: string[], configHosts: string[]): { host: string; recent: boolean }[] {
  return [...recent.map((host) => ({ host, recent: true })), ...configHosts.filter((h) => !recent.includes(h)).map((host) => ({ host, recent: false }))];
}
