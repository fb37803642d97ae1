// Private: operating-system errors restated so that they name the file and what was being
// done with it ("cannot write out/a.png: No space left on device").

/**
 * An error's message without Deno's trailer (`No such file or directory (os error 2): stat
 * '/a/b'`), since the message it goes into already names the file.
 */
export function reason(error: unknown): string {
  let message: string;
  try {
    message = error instanceof Error ? error.message : String(error);
  } catch {
    message = "unknown error";
  }
  // Some errors carry a stack trace in the message; the first line is the reason.
  return message.split("\n")[0].replace(/ \(os error \d+\)(?::.*)?$/, "");
}

/** An error of the same class (NotFound, PermissionDenied, NotCapable, …) with a new message. */
export function rewrap(error: unknown, message: string): Error {
  const Class = error instanceof Error
    ? error.constructor as new (
      message: string,
      options?: ErrorOptions,
    ) => Error
    : Error;
  const wrapped = new Class(message, { cause: error });
  // Built-in Deno error classes set their own name; keep the original's for any other class.
  if (error instanceof Error && wrapped.name !== error.name) {
    wrapped.name = error.name;
  }
  return wrapped;
}

/**
 * `error` restated as `cannot <action> <file>: <reason>`, keeping its class (NotFound,
 * PermissionDenied, …) and the original as its `cause`.
 */
export function fileError(action: string, file: string, error: unknown): Error {
  return rewrap(error, `cannot ${action} ${file}: ${reason(error)}`);
}
