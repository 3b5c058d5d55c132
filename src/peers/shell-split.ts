/**
 * Split a command line into argv the way a POSIX shell does for words: blanks separate
 * words; '…' is literal; "…" keeps blanks and honours \" \\ \$ \`; a backslash outside
 * quotes escapes the next character. No expansion of variables, globs or `~`.
 * Throws on an unterminated quote or a trailing backslash.
 */
export function shellSplit(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${line}`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (ch === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1]!)) j++;
        word += line[j];
      }
      if (j >= line.length) throw new Error(`unterminated " in: ${line}`);
      i = j;
    } else if (ch === '\\') {
      if (i + 1 >= line.length) throw new Error(`trailing backslash in: ${line}`);
      word += line[++i];
      inWord = true;
    } else if (ch === ' ' || ch === '\t' || ch === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Quote one word so `shellSplit` (and a POSIX shell) gives it back unchanged. */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
