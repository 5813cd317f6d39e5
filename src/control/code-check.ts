// A cheap sanity check on a deployed bundle: it must parse as an ES module. Nothing is evaluated;
// the runtime checks the default export when it loads the version. esbuild (already the bundler)
// parses it; it is loaded on first use so a node that never deploys never starts its service.

/** Returns null when `code` parses as an ES module, else "line:column: message". */
export async function checkModuleSyntax(code: string): Promise<string | null> {
  const { transform } = await import('esbuild');
  try {
    await transform(code, { loader: 'js', format: 'esm', logLevel: 'silent', sourcefile: 'bundle.js' });
    return null;
  } catch (err) {
    const first = (err as { errors?: Array<{ text: string; location?: { line: number; column: number } | null }> }).errors?.[0];
    if (!first) return 'the bundle could not be parsed';
    return first.location ? `${first.location.line}:${first.location.column + 1}: ${first.text}` : first.text;
  }
}
