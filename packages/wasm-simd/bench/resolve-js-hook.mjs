// Node resolve hook for the benchmarks: tfjs-core's ESM files use extension-less (and directory)
// imports, which Node rejects; retry those with '.js' and '/index.js'.
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    const retry = err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'ERR_UNSUPPORTED_DIR_IMPORT';
    if (!retry || specifier.endsWith('.js')) throw err;
    try {
      return await next(`${specifier}.js`, context);
    } catch {
      return next(`${specifier}/index.js`, context);
    }
  }
}
