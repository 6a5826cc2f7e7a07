// The plugin's logic, free of host imports so that it runs in plain Node tests.

/** One line about an entity descriptor. */
export function describe(descriptor) {
  const name = descriptor?.metadata?.name ?? '?';
  const owner = descriptor?.spec?.owner;
  return owner ? `${name} is owned by ${owner}` : `${name} has no owner yet`;
}
