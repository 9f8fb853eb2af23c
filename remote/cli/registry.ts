/** The agent's command table: name → lazy loader of `main(argv) → exit code`. */
export type CommandMain = (argv: string[]) => Promise<number>;

export const commands: Record<string, () => Promise<CommandMain>> = {};

export function registerCommand(name: string, load: () => Promise<CommandMain>): void {
  commands[name] = load;
}
