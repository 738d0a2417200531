// Regenerates librechat_pricing_cases.json: needs tx.ts, transaction.ts, spendTokens.ts and
// utils/tokens.ts from LibreChat in the working directory and `npm install typescript`.
// node librechat_pricing_oracle.js <out.json> <commit>
// Runs LibreChat's own pricing code (transpiled from its TypeScript) over a corpus of cases.
const fs = require('fs');
const ts = require('typescript');
function load(src, requires) {
  const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText;
  const module = { exports: {} };
  new Function('require', 'module', 'exports', js)((n) => requires[n], module, module.exports);
  return module.exports;
}
const EModelEndpoint = new Proxy({}, { get: (_, p) => p });
const logger = { debug() {}, error() {}, info() {}, warn() {} };
let tok = fs.readFileSync('tokens.ts', 'utf8');
tok = tok.slice(0, tok.indexOf('export const modelSchema')).replace("import z from 'zod';", '');
const tokens = load(tok, { 'librechat-data-provider': { EModelEndpoint } });
const tx = load(fs.readFileSync('tx.ts', 'utf8'), {});
const txm = tx.createTxMethods(null, { matchModelName: tokens.matchModelName, findMatchingPattern: tokens.findMatchingPattern });
const trSrc = fs.readFileSync('transaction.ts', 'utf8');
const body = trSrc.slice(trSrc.indexOf('  function calculateTokenValue'), trSrc.indexOf('  async function updateBalance'));
const calc = load('const cancelRate = 1.15;\nexport function make(txMethods: any) {\n' + body + '\nreturn { calculateTokenValue, calculateStructuredTokenValue };\n}', {}).make(txm);
const recorded = [];
const spend = load(fs.readFileSync('spendTokens.ts', 'utf8'), { '~/config/winston': { default: logger } })
  .createSpendTokensMethods(null, {
    createTransaction: async (d) => { const t = { ...d }; calc.calculateTokenValue(t); recorded.push(t); return t; },
    createStructuredTransaction: async (d) => { const t = { ...d }; calc.calculateStructuredTokenValue(t); recorded.push(t); return t; },
  });
function line(t) {
  return { token_type: t.tokenType, rate: t.rate, raw_amount: t.rawAmount, token_value: t.tokenValue,
    input_tokens: t.inputTokens ?? null, write_tokens: t.writeTokens ?? null, read_tokens: t.readTokens ?? null };
}
(async () => {
  const keys = new Set([...Object.keys(tx.tokenValues), ...Object.keys(tx.cacheTokenValues), ...Object.keys(tx.premiumTokenValues)]);
  for (const names of Object.values(tokens.maxTokensMap)) for (const k of Object.keys(names)) keys.add(k);
  const models = new Set(['', 'unknown-model', 'gpt-4-0613', 'gpt-4-vision-preview', 'gpt-3.5-turbo-16k-0613', 'GPT-4-Turbo', 'claude-sonnet-4-6-20260101', 'anthropic.claude-sonnet-4-6', 'mistral-large-latest']);
  for (const k of keys) {
    models.add(k); models.add(k + '-2026-01-01'); models.add('openrouter/' + k);
    models.add('vendor/' + k + '-latest'); models.add('x-' + k);
  }
  const endpoints = [undefined, 'openAI', 'anthropic', 'google', 'bedrock', 'azureOpenAI', 'custom', 'agents', 'someCustom', 'deepseek'];
  const cases = [];
  let i = 0;
  for (const model of models) {
    const endpoint = endpoints[i++ % endpoints.length];
    const rate = (count) => [
      txm.getMultiplier({ model, endpoint, tokenType: 'prompt', inputTokenCount: count }),
      txm.getMultiplier({ model, endpoint, tokenType: 'completion', inputTokenCount: count }),
      txm.getCacheMultiplier({ model, endpoint, cacheType: 'write', inputTokenCount: count }),
      txm.getCacheMultiplier({ model, endpoint, cacheType: 'read', inputTokenCount: count }),
    ];
    const c = [model, endpoint ?? null, txm.getValueKey(model, endpoint) ?? null, rate(undefined), rate(300000)];
    cases.push(c);
  }
  const spends = [];
  const usages = [[1000, 500], [100, 7], [0, 0], [3, 1], [272001, 333], [-5, 12], [7, undefined], [undefined, 9]];
  const structured = [[100, 1000, 5000, 250], [0, 0, 0, 0], [1, 2, 3, 4], [200000, 72001, 10, 99], [5, 0, 7, 0]];
  const sample = [...keys].filter((_, j) => j % 7 === 0).concat(['gpt-4o', 'claude-sonnet-4', 'unknown-model', 'gpt-5.4']);
  let n = 0;
  for (const model of sample) {
    for (const context of ['message', 'incomplete']) {
      const [p, c] = usages[n++ % usages.length];
      recorded.length = 0;
      await spend.spendTokens({ user: 'u', model, context }, { promptTokens: p, completionTokens: c });
      spends.push({ kind: 'plain', model, context, prompt_tokens: p ?? null, completion_tokens: c ?? null, lines: recorded.map(line) });
      const [inp, w, r, comp] = structured[n % structured.length];
      recorded.length = 0;
      await spend.spendStructuredTokens({ user: 'u', model, context }, { promptTokens: { input: inp, write: w, read: r }, completionTokens: comp });
      spends.push({ kind: 'structured', model, context, input: inp, write: w, read: r, completion_tokens: comp, lines: recorded.map(line) });
    }
  }
  const override = { 'my-model': { prompt: 1.5, completion: 2.25, write: 0.5 } };
  for (const model of ['my-model', 'gpt-4o']) {
    for (const context of ['message', 'incomplete']) {
      recorded.length = 0;
      await spend.spendTokens({ user: 'u', model, context, endpointTokenConfig: override }, { promptTokens: 120, completionTokens: 77 });
      spends.push({ kind: 'plain', model, context, prompt_tokens: 120, completion_tokens: 77, override, lines: recorded.map(line) });
      recorded.length = 0;
      await spend.spendStructuredTokens({ user: 'u', model, context, endpointTokenConfig: override }, { promptTokens: { input: 10, write: 20, read: 30 }, completionTokens: 77 });
      spends.push({ kind: 'structured', model, context, input: 10, write: 20, read: 30, completion_tokens: 77, override, lines: recorded.map(line) });
    }
  }
  fs.writeFileSync(process.argv[2], JSON.stringify({ columns: ['model', 'endpoint', 'value_key', '[prompt, completion, write, read] rates', 'the same for a 300000-token prompt'], source: 'LibreChat main@' + process.argv[3] + ' tx.ts, transaction.ts, spendTokens.ts, utils/tokens.ts, run by node', cases, spends }) + '\n');
  console.log(cases.length, spends.length);
})();
