/** Words for the rules-file import: what would be replaced by what, before anything is saved. */

export function countOf(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The file's name, from a path of either kind of slash. */
export function fileName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

/** "Replace your 6 rules and 0 categories with 2 rules and 1 category from team.json?" */
export function importQuestion(
  current: { rules: number; categories: number },
  incoming: { rules: number; categories: number },
  path: string,
): string {
  const rules = (n: number) => countOf(n, 'rule', 'rules');
  const cats = (n: number) => countOf(n, 'category', 'categories');
  return (
    `Replace your ${rules(current.rules)} and ${cats(current.categories)} ` +
    `with ${rules(incoming.rules)} and ${cats(incoming.categories)} from ${fileName(path)}?`
  );
}
