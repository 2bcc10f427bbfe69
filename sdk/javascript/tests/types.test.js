// index.d.ts declares every runtime export (there is no TypeScript compiler here: zero dependencies).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import * as sdk from '../src/index.js';

it('declares every export of src/index.js', () => {
  const dts = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8');
  for (const name of Object.keys(sdk)) {
    if (name === 'default') {
      assert.match(dts, /export default LoopGrid;/);
    } else {
      assert.match(dts, new RegExp(`export declare (const|class|function) ${name}\\b`), name);
    }
  }
  for (const method of Object.getOwnPropertyNames(sdk.LoopGrid.prototype)) {
    if (method.startsWith('_') || method === 'constructor' || method === 'toString') continue;
    assert.match(dts, new RegExp(`\\n  ${method}\\(`), `LoopGrid.${method}`);
  }
});
