/**
 * The display width of the strings functape's help is made of, without Unicode tables.
 * The bundle (scripts/bundle.mjs) puts this in front of every copy of `string-width`
 * yargs uses for laying out help (yargs itself, cliui, wrap-ansi): those call it once per
 * word and per row, and each call of the real one segments graphemes and runs emoji
 * regexes, a third of `functape --help`'s time. Strings outside the known set go to the
 * real `string-width` (loaded only then), so the layout is the same either way.
 *
 * Contract: when this returns a number, it is what string-width 7 and 8 return for the
 * same string (src/cli/known-width.test.ts checks every character of the set against
 * both): printable ASCII and a few punctuation characters, each one column and its own
 * grapheme, none an emoji or a control; no escape sequence can occur in such a string.
 * Several of them are East Asian "ambiguous" width, so they count as one column only when
 * ambiguous characters are narrow (string-width's default).
 */
export function knownWidth(text: string, ambiguousIsNarrow = true): number | undefined {
  if (typeof text !== 'string') return undefined;
  const allowed = ambiguousIsNarrow ? NARROW_WITH_AMBIGUOUS : ASCII_PRINTABLE;
  return allowed.test(text) ? text.length : undefined;
}

/** Space to tilde. */
const ASCII_PRINTABLE = /^[\x20-\x7E]*$/;
/** Printable ASCII plus « µ · » × – — … ← → ≤ ≥ (all single UTF-16 units). */
const NARROW_WITH_AMBIGUOUS =
  /^[\x20-\x7E\u00AB\u00B5\u00B7\u00BB\u00D7\u2013\u2014\u2026\u2190\u2192\u2264\u2265]*$/;

/** The characters besides printable ASCII that `knownWidth` measures (for its test). */
export const KNOWN_NARROW_EXTRAS = '\u00AB\u00B5\u00B7\u00BB\u00D7\u2013\u2014\u2026\u2190\u2192\u2264\u2265';
