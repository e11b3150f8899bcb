/**
 * How to fetch a missing dataset, for "not found" errors. Library users may not have the CLI
 * installed, so the hint names the npx form (which works without installing) and the function.
 */
export function downloadHint(name: string): string {
  return `download it with \`npx @synaptogen/cli datasets download ${name}\` or downloadDataset('${name}')`;
}
