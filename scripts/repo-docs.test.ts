import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const git = (...args: string[]) => {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8' });
  } catch (error) {
    // `git grep` exits 1 when nothing matches.
    if ((error as { status?: number }).status === 1) return '';
    throw error;
  }
};

describe('the repository stands alone', () => {
  it('names nothing outside the clone (no sibling shared folder)', () => {
    // Spelled in pieces so this file does not match itself.
    const sibling = ['..', 'shared'].join('/');
    const absolute = ['', 'work', 'shared'].join('/');
    expect(git('grep', '-n', '-F', '-e', sibling, '-e', absolute).split('\n').filter(Boolean)).toEqual([]);
  });

  it('has every relative link of its Markdown pointing at a file in the clone', () => {
    const broken: string[] = [];
    for (const file of git('ls-files', '*.md').split('\n').filter(Boolean)) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target!)) continue;
        const path = target!.split('#')[0]!;
        if (!existsSync(join(root, dirname(file), path))) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
