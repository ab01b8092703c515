/** One command of `pnpm <verb> [<sub>]`, as `pnpm commands` lists it and the dispatcher runs it. */
export interface Command {
  name: string;
  /** One line, for the list. */
  summary: string;
  /**
   * What `--help` prints. Absent: the command answers `--help` itself (its own parser has the
   * fuller text), so the dispatcher hands `--help` on.
   */
  usage?: string;
  /** Runs the command with the arguments after its name; resolves to the exit status. */
  run: (args: string[]) => Promise<number>;
}

/** A root verb: a command of its own, or a group of subcommands (`pnpm etl run`, `pnpm bench api`). */
export type Verb =
  | (Command & { subcommands?: undefined })
  | { name: string; summary: string; subcommands: Command[] };
