/**
 * API keys held by the agent: handed over by the extension (`secrets/set`, from VS Code SecretStorage) and kept in
 * memory only — never written to the run folder or the log. Looked up by the name of the environment variable the
 * run config names (model.apiKeyEnv), which is the fallback when no key was handed over.
 */
const keys = new Map<string, string>();

export function setSecret(name: string, value: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`secret name ${JSON.stringify(name)} must look like an environment variable name`);
  if (value) keys.set(name, value);
  else keys.delete(name);
}

/** The key for `name`: handed-over first, then the agent's environment. */
export function getSecret(name: string): string | undefined {
  return keys.get(name) ?? (process.env[name] || undefined);
}

/** Names with a key handed over (never the values), for preflight. */
export function secretNames(): string[] {
  return [...keys.keys()];
}
