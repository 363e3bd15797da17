// Splitting a --plugin-command string into words the way a POSIX shell does for quoting only:
// whitespace separates words; '...' keeps everything literally; "..." keeps everything but
// backslash escapes of " \ $ and `; a backslash outside quotes escapes the next character.
// Nothing is expanded: no $VARIABLES, globs, ~, pipes or redirections (the command is not run
// by a shell). An unterminated quote or a trailing backslash is an error.

/** A --plugin-command string that cannot be split; the message says where. */
export class ShellWordsError extends Error {
  override readonly name = "ShellWordsError";
}

/** The words of `line`, e.g. `node main.js --data-dir '/tmp/a b'` → ["node", "main.js", "--data-dir", "/tmp/a b"]. */
export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === " " || c === "\t" || c === "\n") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i += 1;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new ShellWordsError(`unterminated single quote at character ${i + 1} of ${JSON.stringify(line)}`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= line.length) throw new ShellWordsError(`unterminated double quote at character ${i + 1} of ${JSON.stringify(line)}`);
        const d = line[j]!;
        if (d === '"') break;
        if (d === "\\" && j + 1 < line.length && '"\\$`'.includes(line[j + 1]!)) {
          word += line[j + 1];
          j += 2;
        } else {
          word += d;
          j += 1;
        }
      }
      inWord = true;
      i = j + 1;
    } else if (c === "\\") {
      if (i + 1 >= line.length) throw new ShellWordsError(`a backslash ends ${JSON.stringify(line)}; it must escape a character`);
      word += line[i + 1];
      inWord = true;
      i += 2;
    } else {
      word += c;
      inWord = true;
      i += 1;
    }
  }
  if (inWord) words.push(word);
  return words;
}
