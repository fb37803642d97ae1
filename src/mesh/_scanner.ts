// Private: a cursor over the bytes of a text mesh file that reads numbers without making
// strings (the 871k-triangle dragon is 30 MB of text; split/regex per line is several times
// slower and allocates per token).

import { printable } from "../_format.ts";

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const SLASH = 0x2f;
const ZERO = 0x30;
const NINE = 0x39;

// Exact powers of ten as doubles: up to 1e22 every one is exactly representable, which is what
// makes the fast path below correctly rounded (Clinger 1990).
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

const latin1 = new TextDecoder("latin1");

/**
 * Reads tokens, numbers and lines from ASCII bytes, counting lines for error messages. Lines
 * end in LF or CR LF — or in CR alone, for a file whose first line end is a lone CR (classic
 * Mac OS); the other byte is then a blank.
 */
export class Scanner {
  /** The next byte to read. */
  pos = 0;
  /** 1-based line of `pos`. */
  line = 1;
  /** Where the last number read started, to quote it in a message. */
  private numberStart = 0;
  /** The byte that ends a line: LF, or CR in a file of CR-only line ends. */
  readonly eol: number;
  /** The other of CR and LF, read as a blank. */
  private readonly blank: number;

  constructor(readonly bytes: Uint8Array, readonly name: string) {
    const lf = bytes.indexOf(LF);
    const cr = lf < 0 ? bytes.indexOf(CR) : bytes.subarray(0, lf).indexOf(CR);
    this.eol = cr >= 0 && bytes[cr + 1] !== LF ? CR : LF;
    this.blank = this.eol === LF ? CR : LF;
  }

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  /** Skips spaces and tabs (not line ends). */
  skipBlanks(): void {
    const b = this.bytes;
    let p = this.pos;
    const blank = this.blank;
    while (
      p < b.length && (b[p] === SPACE || b[p] === TAB || b[p] === blank)
    ) p++;
    this.pos = p;
  }

  /** Whether the cursor (after blanks) is at a line end or the end of the file. */
  atLineEnd(): boolean {
    this.skipBlanks();
    return this.pos >= this.bytes.length || this.bytes[this.pos] === this.eol;
  }

  /** Moves past the next line end. */
  skipLine(): void {
    const i = this.bytes.indexOf(this.eol, this.pos);
    this.pos = i < 0 ? this.bytes.length : i + 1;
    this.line++;
  }

  /** Skips blanks and line ends, counting lines (for whitespace-separated formats). */
  skipWhitespace(): void {
    const b = this.bytes;
    let p = this.pos;
    const eol = this.eol;
    while (p < b.length) {
      const c = b[p];
      if (c === eol) this.line++;
      else if (c !== SPACE && c !== TAB && c !== CR && c !== LF) break;
      p++;
    }
    this.pos = p;
  }

  /** The next run of non-blank bytes as text (for keywords and messages). */
  token(): string {
    this.skipBlanks();
    const b = this.bytes;
    const start = this.pos;
    let p = start;
    while (
      p < b.length && b[p] !== SPACE && b[p] !== TAB && b[p] !== CR &&
      b[p] !== LF
    ) p++;
    this.pos = p;
    // Control bytes (NUL, escape) are escaped, so a message quoting the token is safe to print.
    return printable(latin1.decode(b.subarray(start, Math.min(p, start + 40))));
  }

  /** Whether the next bytes (after blanks) are exactly `word` followed by a blank or line end. */
  isWord(word: string): boolean {
    this.skipBlanks();
    const b = this.bytes;
    const p = this.pos;
    for (let i = 0; i < word.length; i++) {
      if (b[p + i] !== word.charCodeAt(i)) return false;
    }
    const after = b[p + word.length];
    return after === undefined || after === SPACE || after === TAB ||
      after === CR || after === LF;
  }

  /**
   * A decimal number (`-1.5e-3`, `.5`, `7`), or NaN when the token is not a finite number
   * (`nan`, `inf`, `1e999`, `abc`); the cursor ends after the token either way. The common
   * case (at most 15 significant digits, small exponents) is one exact integer scaled by an
   * exact power of ten, so one rounding: the same double `parseFloat` gives. Anything else
   * goes to `parseFloat`.
   */
  float(): number {
    this.skipBlanks();
    const b = this.bytes;
    const start = this.pos;
    this.numberStart = start;
    let p = start;
    let negative = false;
    if (b[p] === MINUS) {
      negative = true;
      p++;
    } else if (b[p] === PLUS) p++;
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    let any = false;
    let c = b[p];
    // Leading zeros carry no significance.
    while (c === ZERO) {
      any = true;
      c = b[++p];
    }
    while (c >= ZERO && c <= NINE) {
      mantissa = mantissa * 10 + (c - ZERO);
      digits++;
      any = true;
      c = b[++p];
    }
    if (c === DOT) {
      c = b[++p];
      if (digits === 0) {
        while (c === ZERO) {
          scale--;
          any = true;
          c = b[++p];
        }
      }
      while (c >= ZERO && c <= NINE) {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        scale--;
        any = true;
        c = b[++p];
      }
    }
    if (!any) return this.invalid(start);
    if (c === 0x65 || c === 0x45) {
      c = b[++p];
      let expNegative = false;
      if (c === MINUS) {
        expNegative = true;
        c = b[++p];
      } else if (c === PLUS) c = b[++p];
      if (!(c >= ZERO && c <= NINE)) return this.invalid(start);
      let exponent = 0;
      while (c >= ZERO && c <= NINE) {
        if (exponent < 100000) exponent = exponent * 10 + (c - ZERO);
        c = b[++p];
      }
      scale += expNegative ? -exponent : exponent;
    }
    if (
      c !== undefined && c !== SPACE && c !== TAB && c !== CR && c !== LF
    ) {
      return this.invalid(start);
    }
    this.pos = p;
    let value: number;
    if (digits <= 15 && scale >= -22 && scale <= 22) {
      value = scale < 0 ? mantissa / POW10[-scale] : mantissa * POW10[scale];
    } else {
      value = parseFloat(
        latin1.decode(b.subarray(negative ? start + 1 : start, p)),
      );
    }
    if (!Number.isFinite(value)) return NaN;
    return negative ? -value : value;
  }

  /** A decimal integer with an optional sign, or NaN when the next token is not one. */
  int(): number {
    this.skipBlanks();
    const b = this.bytes;
    const start = this.pos;
    this.numberStart = start;
    let p = start;
    let negative = false;
    if (b[p] === MINUS) {
      negative = true;
      p++;
    } else if (b[p] === PLUS) p++;
    let value = 0;
    let c = b[p];
    if (!(c >= ZERO && c <= NINE)) return this.invalid(start);
    while (c >= ZERO && c <= NINE) {
      value = value * 10 + (c - ZERO);
      c = b[++p];
    }
    if (
      c !== undefined && c !== SPACE && c !== TAB && c !== CR && c !== LF &&
      c !== SLASH
    ) {
      return this.invalid(start);
    }
    this.pos = p;
    return negative ? -value : value;
  }

  /** Consumes one byte if it is `code`. */
  accept(code: number): boolean {
    if (this.bytes[this.pos] === code) {
      this.pos++;
      return true;
    }
    return false;
  }

  /**
   * The error for the number just read as NaN: a RangeError for a number that is not finite
   * (`nan`, `inf`, `1e999`), a SyntaxError for anything else, quoting the token.
   */
  numberError(what: string): Error {
    this.pos = this.numberStart;
    const text = this.token();
    if (text === "") {
      return this.syntaxError(`${what} is missing`);
    }
    return /^[+-]?(nan|inf|infinity|[0-9.]+e[+-]?[0-9]+)$/i.test(text)
      ? this.rangeError(`${what} must be finite, got "${text}"`)
      : this.syntaxError(`${what} must be a number, got "${text}"`);
  }

  /** The error for the number just read being beyond the f32 range the core stores it in. */
  rangeOfF32Error(what: string): RangeError {
    this.pos = this.numberStart;
    const text = this.token();
    return this.rangeError(
      `${what} must be within the 32-bit float range (±3.4e38), got "${text}"`,
    );
  }

  /** Marks a bad token: NaN, with the cursor left at its start so the caller can quote it. */
  private invalid(start: number): number {
    this.pos = start;
    return NaN;
  }

  /** `name:line: message` as a SyntaxError. */
  syntaxError(message: string): SyntaxError {
    return new SyntaxError(`${this.name}:${this.line}: ${message}`);
  }

  /** `name:line: message` as a RangeError. */
  rangeError(message: string): RangeError {
    return new RangeError(`${this.name}:${this.line}: ${message}`);
  }
}
