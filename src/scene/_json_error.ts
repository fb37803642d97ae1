// Private: turns the SyntaxError of JSON.parse into one that says where, as line and column.

/**
 * A SyntaxError for `text`, which `JSON.parse` rejected with `error`, naming the line and
 * column of the fault. V8 reports the offset for most faults but not for an unexpected token
 * (`Unexpected token ',', "…" is not valid JSON`); then the text is scanned for it.
 */
export function jsonSyntaxError(text: string, error: SyntaxError): SyntaxError {
  const reported = /\bat position (\d+)/.exec(error.message);
  let offset: number;
  if (reported !== null) offset = Number(reported[1]);
  else if (/Unexpected end of JSON input/.test(error.message)) {
    offset = text.length;
  } else offset = findSyntaxError(text);
  const what = error.message
    .replace(/ at position \d+(?: \(line \d+ column \d+\))?/, "")
    .replace(/ in JSON$/, "")
    .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, "");
  if (offset < 0) {
    return new SyntaxError(`invalid JSON: ${what}`, { cause: error });
  }
  const { line, column } = lineAndColumn(text, offset);
  return new SyntaxError(
    `invalid JSON at line ${line}, column ${column}: ${what}`,
    { cause: error },
  );
}

/** 1-based; the column counts code points, as editors do. */
function lineAndColumn(
  text: string,
  offset: number,
): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lines = before.split("\n");
  return { line: lines.length, column: [...lines.at(-1)!].length + 1 };
}

/**
 * The UTF-16 offset of the first character that breaks the JSON grammar (RFC 8259), the
 * length of the text if it ends too soon, or −1 if it is valid.
 */
export function findSyntaxError(text: string): number {
  let i = 0;
  const fail = (at: number): never => {
    throw new Fault(at);
  };
  const expect = (char: string) => {
    if (i >= text.length) fail(text.length);
    if (text[i] !== char) fail(i);
    i++;
  };
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const digits = () => {
    if (i >= text.length) fail(text.length);
    if (!isDigit(text[i])) fail(i);
    while (i < text.length && isDigit(text[i])) i++;
  };
  const string = () => {
    expect('"');
    for (;;) {
      if (i >= text.length) fail(text.length);
      const c = text[i];
      if (c === '"') {
        i++;
        return;
      }
      if (c < " ") fail(i);
      i++;
      if (c !== "\\") continue;
      if (i >= text.length) fail(text.length);
      if (text[i] === "u") {
        i++;
        for (let k = 0; k < 4; k++) {
          if (i >= text.length) fail(text.length);
          if (!/[0-9a-fA-F]/.test(text[i])) fail(i);
          i++;
        }
      } else if ('"\\/bfnrt'.includes(text[i])) i++;
      else fail(i);
    }
  };
  const value = (): void => {
    space();
    if (i >= text.length) fail(text.length);
    const c = text[i];
    if (c === "{") {
      i++;
      space();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        space();
        string();
        space();
        expect(":");
        value();
        space();
        if (text[i] === ",") i++;
        else return expect("}");
      }
    }
    if (c === "[") {
      i++;
      space();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value();
        space();
        if (text[i] === ",") i++;
        else return expect("]");
      }
    }
    if (c === '"') return string();
    if (c === "-" || isDigit(c)) {
      if (c === "-") i++;
      if (text[i] === "0") i++;
      else digits();
      if (text[i] === ".") {
        i++;
        digits();
      }
      if (text[i] === "e" || text[i] === "E") {
        i++;
        if (text[i] === "+" || text[i] === "-") i++;
        digits();
      }
      return;
    }
    for (const literal of ["true", "false", "null"]) {
      if (c === literal[0]) {
        for (const char of literal) expect(char);
        return;
      }
    }
    fail(i);
  };
  try {
    value();
    space();
    if (i < text.length) fail(i);
    return -1;
  } catch (e) {
    if (e instanceof Fault) return e.offset;
    // Nesting deep enough to exhaust the stack: say nothing rather than guess.
    if (e instanceof RangeError) return -1;
    throw e;
  }
}

class Fault {
  constructor(readonly offset: number) {}
}

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}
