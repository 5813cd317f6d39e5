// One error type for everything the CLI reports: a message ("what was wrong"), a hint ("what to do"),
// optional detail lines (build errors, validation errors) and the exit code.
//   1: usage or validation (the command line, cairn.json, the sources)
//   2: the server answered with an error
//   3: the server could not be reached
//   4: a verification failed (`cairn ledger verify`, `cairn ledger check-proof`)

export const EXIT_USAGE = 1;
export const EXIT_SERVER = 2;
export const EXIT_CONNECT = 3;
export const EXIT_VERIFY = 4;

export class CliError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;
  readonly details: string[];
  constructor(message: string, opts: { hint?: string; exitCode?: number; details?: string[] } = {}) {
    super(message);
    this.name = 'CliError';
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? EXIT_USAGE;
    this.details = opts.details ?? [];
  }
}

/** The text printed for an error: "cairn: ...", indented details, "hint: ...". */
export function formatCliError(err: CliError): string {
  let s = `cairn: ${err.message}\n`;
  for (const d of err.details) s += d.split('\n').map((l) => `  ${l}`).join('\n') + '\n';
  if (err.hint) s += `hint: ${err.hint}\n`;
  return s;
}
