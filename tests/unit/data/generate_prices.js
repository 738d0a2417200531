// Regenerates domain/billing/prices.json from a LibreChat checkout (tx.ts and utils/tokens.ts
// copied into the working directory): node generate_prices.js <commit> <out.json>
const fs = require('fs');
function section(text, start, end) {
  const i = text.indexOf(start); const j = text.indexOf(end, i);
  if (i < 0 || j < 0) throw new Error('section ' + start);
  return text.slice(i, j);
}
function stripTypes(src) {
  return src
    .replace(/export const/g, 'const')
    .replace(/const (\w+)\s*:[\s\S]*?>\s*=/g, 'const $1 =')
    .replace(/const (\w+)\s*:\s*[\w.]+\s*=/g, 'const $1 =');
}
const tx = fs.readFileSync('tx.ts', 'utf8');
const txData = stripTypes(section(tx, 'export const defaultRate', 'export function createTxMethods'));
const tok = fs.readFileSync('tokens.ts', 'utf8');
const tokData = stripTypes(section(tok, 'const openAIModels', 'export const modelMaxOutputs'))
  .replace(/^const ANTHROPIC[\s\S]*?^const deepseekModels/m, 'const deepseekModels');
const EModelEndpoint = new Proxy({}, { get: (_, p) => p });
const out = new Function('EModelEndpoint', txData + '\n' + tokData +
  '\nreturn {defaultRate, tokenValues, cacheTokenValues, premiumTokenValues, premiumCacheTokenValues, maxTokensMap};')(EModelEndpoint);
const modelNames = {};
for (const [ep, map] of Object.entries(out.maxTokensMap)) modelNames[ep] = Object.keys(map);
const doc = {
  source: 'LibreChat main@' + process.argv[2] + ': packages/data-schemas/src/methods/tx.ts (rates) and packages/api/src/utils/tokens.ts (maxTokensMap keys, for matchModelName)',
  unit: 'USD per 1M tokens == credits per token',
  default_rate: out.defaultRate,
  token_values: out.tokenValues,
  cache_token_values: out.cacheTokenValues,
  premium_token_values: out.premiumTokenValues,
  premium_cache_token_values: out.premiumCacheTokenValues,
  model_names: modelNames,
};
const text = JSON.stringify(doc, null, 1).replace(/\{\n\s+("(?:prompt|write|threshold)"[^{}]*?)\n\s+\}/g, (m, body) => '{' + body.replace(/\n\s+/g, ' ') + '}');
fs.writeFileSync(process.argv[3], text + '\n');
